import pc from 'picocolors';
import { count, figure, percent } from '../core/format.js';
import type { DiffFinding, DiffReport, SnapshotSummary } from './types.js';

export const DIFF_FORMATS = ['text', 'json', 'md', 'html'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export function renderDiff(report: DiffReport, format: DiffFormat, options: { readonly color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'md':
      return markdown(report);
    case 'html':
      return html(report);
    default:
      return text(report, Boolean(options.color));
  }
}

const SYMBOL = { fail: '✖', warn: '▲', info: 'ℹ' } as const;

/** One line per side: rows, dim, norms, policy. */
function side(summary: SnapshotSummary): string {
  const policy = Object.entries(summary.policy)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  return `${count(summary.rows)} rows × ${summary.dim}, median norm ${figure(summary.norms.p50, 4)}, ${percent(summary.unitShare, 1)} unit length${policy ? `; manifest: ${policy}` : ''}`;
}

/** The measurements every format shows, as label → value. */
function measurements(report: DiffReport): [string, string][] {
  const rows: [string, string][] = [];
  const drift = report.stats.drift as { measured: boolean; reason?: string; linear?: { auc: number; z: number }; neighbours?: { sameSnapshotShare: number; z: number } } | undefined;
  if (drift?.measured && drift.linear && drift.neighbours) {
    rows.push([
      'distribution drift',
      `classifier AUC ${figure(drift.linear.auc, 3)} (${figure(drift.linear.z, 2)} σ above shuffled labels); same-snapshot neighbours ${percent(drift.neighbours.sameSnapshotShare, 1)} (${figure(drift.neighbours.z, 2)} σ)`,
    ]);
  } else if (drift) rows.push(['distribution drift', `not measured: ${drift.reason ?? 'unknown'}`]);
  const stability = report.stats.neighborStability as { measured: boolean; reason?: string; overlapAt10?: number; interval95?: number[]; queries?: number } | undefined;
  if (stability?.measured && stability.overlapAt10 !== undefined) {
    rows.push(['neighbour overlap@10', `${percent(stability.overlapAt10, 1)} (95% ${percent(stability.interval95?.[0] ?? NaN, 1)}–${percent(stability.interval95?.[1] ?? NaN, 1)}, ${count(stability.queries ?? 0)} ids)`]);
  } else if (stability) rows.push(['neighbour overlap@10', `not measured: ${stability.reason ?? 'unknown'}`]);
  const recall = report.stats.recall as { recallAt10: { before: number; after: number }; questions: number } | undefined;
  if (recall) rows.push(['recall@10', `${figure(recall.recallAt10.before, 4)} → ${figure(recall.recallAt10.after, 4)} (${count(recall.questions)} questions)`]);
  return rows;
}

function text(report: DiffReport, color: boolean): string {
  const paint = (severity: DiffFinding['severity'], value: string): string => (!color ? value : severity === 'fail' ? pc.red(value) : severity === 'warn' ? pc.yellow(value) : pc.cyan(value));
  const lines = [
    `vectorclinic diff  ${report.before.target}  →  ${report.after.target}`,
    `  before  ${side(report.before)}`,
    `  after   ${side(report.after)}`,
    `  paired  ${report.pairing === 'none' ? 'no rows paired (no shared ids)' : `${count(report.pairedRows)} sampled rows by ${report.pairing === 'id' ? 'id' : 'row number / key order'}`}; metric ${report.metric}`,
    '',
    ...measurements(report).map(([label, value]) => `  ${label.padEnd(22)} ${value}`),
    '',
  ];
  for (const finding of report.findings) {
    lines.push(paint(finding.severity, `${SYMBOL[finding.severity]} ${finding.severity.toUpperCase()} ${finding.code}: ${finding.title}`));
    lines.push(`    ${finding.message}`);
    if (finding.fix) lines.push(`    fix: ${finding.fix}`);
  }
  if (!report.findings.length) lines.push('✓ No change found between the snapshots.');
  lines.push('', `${report.verdict.toUpperCase()}: ${summaryLine(report)} (${figure(report.seconds, 3)} s)`);
  return `${lines.join('\n')}\n`;
}

function summaryLine(report: DiffReport): string {
  const counts = (['fail', 'warn', 'info'] as const).map((severity) => [severity, report.findings.filter((f) => f.severity === severity).length] as const).filter(([, n]) => n > 0);
  return counts.length ? counts.map(([severity, n]) => `${n} ${severity}`).join(', ') : 'no change';
}

function escapeMarkdown(value: string): string {
  return value.replace(/[|\\`*_<>[\]]/g, (character) => `\\${character}`).replace(/\n/g, ' ');
}

function markdown(report: DiffReport): string {
  const lines = [
    `## vectorclinic diff: ${report.verdict.toUpperCase()}`,
    '',
    '| | before | after |',
    '|---|---|---|',
    `| target | ${escapeMarkdown(report.before.target)} | ${escapeMarkdown(report.after.target)} |`,
    `| rows × dim | ${count(report.before.rows)} × ${report.before.dim} | ${count(report.after.rows)} × ${report.after.dim} |`,
    `| median norm | ${figure(report.before.norms.p50, 4)} | ${figure(report.after.norms.p50, 4)} |`,
    `| unit length | ${percent(report.before.unitShare, 1)} | ${percent(report.after.unitShare, 1)} |`,
    '',
    ...measurements(report).map(([label, value]) => `- **${label}**: ${escapeMarkdown(value)}`),
    '',
  ];
  if (report.findings.length) {
    lines.push('| severity | code | finding |', '|---|---|---|');
    for (const finding of report.findings) lines.push(`| ${finding.severity} | \`${finding.code}\` | ${escapeMarkdown(finding.message)} |`);
  } else lines.push('No change found between the snapshots.');
  return `${lines.join('\n')}\n`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] as string);
}

function html(report: DiffReport): string {
  const findings = report.findings
    .map(
      (finding) =>
        `<li class="${finding.severity}"><strong>${finding.severity.toUpperCase()} ${escapeHtml(finding.code)}</strong>: ${escapeHtml(finding.title)}<p>${escapeHtml(finding.message)}</p>${finding.fix ? `<p class="fix">Fix: ${escapeHtml(finding.fix)}</p>` : ''}</li>`,
    )
    .join('\n');
  const measured = measurements(report)
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td colspan="2">${escapeHtml(value)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vectorclinic diff: ${report.verdict}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}li{margin:.8em 0}.fail strong{color:#b00}.warn strong{color:#a60}.info strong{color:#06c}.fix{color:#555}</style>
</head><body>
<h1>vectorclinic diff: ${report.verdict.toUpperCase()}</h1>
<table>
<tr><th></th><th>before</th><th>after</th></tr>
<tr><th>target</th><td>${escapeHtml(report.before.target)}</td><td>${escapeHtml(report.after.target)}</td></tr>
<tr><th>rows × dim</th><td>${count(report.before.rows)} × ${report.before.dim}</td><td>${count(report.after.rows)} × ${report.after.dim}</td></tr>
<tr><th>median norm</th><td>${figure(report.before.norms.p50, 4)}</td><td>${figure(report.after.norms.p50, 4)}</td></tr>
<tr><th>unit length</th><td>${percent(report.before.unitShare, 1)}</td><td>${percent(report.after.unitShare, 1)}</td></tr>
${measured}
</table>
<ul>
${findings || '<li>No change found between the snapshots.</li>'}
</ul>
<script type="application/json" id="report">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
