/** The page's only stylesheet, inlined so the report is one file that opens offline. */
export const STYLES = `
:root { --fail: #d93025; --warn: #d97a00; --pass: #0a8f4f; --info: #1a73e8; --ink: #202124; --muted: #5f6368; --line: #dadce0; --panel: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header.top { padding: 18px 32px; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header.top h1 { margin: 0; font-size: 18px; }
header.top .target { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 14px; word-break: break-all; }
header.top .meta { color: var(--muted); font-size: 13px; margin-left: auto; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 32px 48px; }
h2 { font-size: 18px; margin: 28px 0 12px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; background: var(--panel); padding: 0 4px; border-radius: 3px; }
small { color: var(--muted); }
.verdict { display: flex; gap: 28px; align-items: center; padding: 24px 0 8px; }
.gauge { flex: none; width: 120px; height: 120px; border-radius: 50%; display: grid; place-items: center; border: 10px solid currentColor; font-weight: 700; font-size: 22px; letter-spacing: 0.04em; }
.verdict-pass .gauge { color: var(--pass); background: #e6f4ea; }
.verdict-warn .gauge { color: var(--warn); background: #fef7e0; }
.verdict-fail .gauge { color: var(--fail); background: #fce8e6; }
.headline h2 { margin: 0 0 8px; font-size: 22px; }
.counts { margin: 0 0 10px; display: flex; gap: 8px; flex-wrap: wrap; }
.count { padding: 2px 10px; border-radius: 12px; font-size: 13px; font-weight: 600; background: var(--panel); }
.count-fail { color: var(--fail); } .count-warn { color: var(--warn); } .count-info { color: var(--info); } .count-pass { color: var(--pass); } .count-not-run { color: var(--muted); text-decoration: none; }
.labels { list-style: none; margin: 0; padding: 0; }
.label { margin: 2px 0; color: var(--muted); }
.label strong { display: inline-block; min-width: 52px; color: var(--ink); background: #e8eaed; border-radius: 4px; padding: 0 6px; margin-right: 6px; text-align: center; }
.policy { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; }
.policy h2 { grid-column: 1 / -1; }
.policy table { align-self: start; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
td { font-variant-numeric: tabular-nums; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; margin: 10px 0; padding: 10px 16px; }
.finding-fail { border-left-color: var(--fail); } .finding-warn { border-left-color: var(--warn); }
.finding > summary { cursor: pointer; font-size: 15px; list-style-position: outside; }
.finding .title { font-weight: 600; }
.badge { display: inline-block; min-width: 44px; text-align: center; color: #fff; border-radius: 4px; font-size: 12px; font-weight: 700; text-transform: uppercase; padding: 1px 6px; }
.badge-fail { background: var(--fail); } .badge-warn { background: var(--warn); } .badge-info { background: var(--info); }
.badge-accepted { background: #6b7280; } .count-accepted { color: #6b7280; } .finding-accepted { opacity: 0.75; } .accepted { font-style: italic; }
.code { color: var(--muted); }
.chip { display: inline-block; font-size: 12px; border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; color: var(--muted); }
.message { margin: 10px 0; }
.fix { background: #e8f0fe; border-radius: 4px; padding: 8px 12px; }
.fix strong { margin-right: 6px; }
.evidence { margin-top: 8px; } .evidence summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.evidence td { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-word; }
.plot-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 20px; }
.plot { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; background: #fff; }
.plot figcaption { margin-bottom: 6px; }
.plot-body { overflow-x: auto; }
.plot-body svg { max-width: 100%; height: auto; }
.plot-body > figure { margin: 0; }
.plot-verdict { font-size: 13px; margin: 4px 0 6px; padding: 4px 8px; border-radius: 4px; background: var(--panel); }
.plot-verdict-passed { color: var(--pass); } .plot-verdict-warn { color: var(--warn); } .plot-verdict-fail { color: var(--fail); } .plot-verdict-not-run, .plot-verdict-info { color: var(--muted); }
.plot-caption { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
.checks ul { list-style: none; padding: 0; margin: 0; columns: 2; }
.checks li { margin: 3px 0; break-inside: avoid; }
.check-passed .mark { color: var(--pass); font-weight: 700; }
.invocation pre.command { background: var(--panel); padding: 8px 12px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.quiet { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding: 12px 32px; }
@media (max-width: 720px) { .policy { grid-template-columns: 1fr; } .verdict { flex-direction: column; align-items: flex-start; } .checks ul { columns: 1; } }
`;
