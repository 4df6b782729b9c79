import { count, figure, percent } from '../core/format.js';
import type { Finding, Severity } from '../core/finding.js';
import { outcomeResult, type Report } from '../core/report.js';
import { evidenceMeaning, evidenceName, evidenceValue } from './evidence-display.js';
import { LABEL_MEANINGS } from './label-meanings.js';

const ICONS: Readonly<Record<Severity | 'pass', string>> = { fail: '❌', warn: '⚠️', info: 'ℹ️', pass: '✅' };
const ORDER: readonly Severity[] = ['fail', 'warn', 'info'];

/** GitHub-flavoured Markdown for PR comments: verdict first, a findings table, details folded. */
export function formatMarkdown(report: Report): string {
  const { stats, policy } = report;
  const lines: string[] = [];
  lines.push(`## ${ICONS[report.verdict]} vectorclinic: ${report.verdict.toUpperCase()} — \`${inline(report.target)}\``, '');
  if (report.invocation) lines.push(`\`${inline(report.invocation.command).replace(/`/g, "'")}\``, '');
  if (report.labels.length) lines.push(report.labels.map((label) => `**${label}** ${LABEL_MEANINGS[label]}`).join('<br>'), '');
  lines.push(
    '| | declared | observed |',
    '|---|---|---|',
    `| metric | ${policy.declared.metric ?? '—'} | ${policy.observed.indexMetric ? `index: ${policy.observed.indexMetric}` : 'no index'} |`,
    `| dimension | ${policy.declared.dim ?? '—'} | ${policy.observed.dim} |`,
    `| vectors | ${policy.declared.normalized === undefined ? '—' : policy.declared.normalized ? 'normalized' : 'raw'} | ${policy.observed.normState}; safe metrics: ${policy.observed.safeMetrics.join(', ')} |`,
    '',
    `${report.kind}, ${count(stats.rows)}${stats.rowsExact ? '' : ' (estimated)'} × ${stats.dim} ${stats.storage}; ` +
      `${count(stats.scanned)} rows scanned (${stats.scanScope === 'full' ? 'every row' : 'sample'}), seed ${stats.seed}; ` +
      `overlap@20 ${stats.overlapAt20 === null ? 'n/a' : figure(stats.overlapAt20, 3)}, PC1 ${stats.pc1Ratio === null ? 'n/a' : percent(stats.pc1Ratio, 1)}.`,
    '',
  );
  // Counted findings first; accepted ones (suppressed, baselined) after them, marked.
  const findings = [false, true].flatMap((accepted) => ORDER.flatMap((severity) => report.findings.filter((finding) => finding.severity === severity && Boolean(finding.accepted) === accepted)));
  if (findings.length) {
    lines.push('| | code | finding | labels |', '|---|---|---|---|');
    for (const finding of findings)
      lines.push(
        `| ${finding.accepted ? `${acceptedTag(finding)} (${finding.severity})` : `${ICONS[finding.severity]} ${finding.severity}`} | \`${finding.code}\` | ${cell(finding.title)} | ${finding.labels.join(' ')} |`,
      );
    lines.push('');
    for (const finding of findings) lines.push(...details(finding));
  }
  const passed = report.checks.filter((check) => check.status === 'pass');
  if (passed.length) lines.push(`<details><summary>${passed.length} checks passed</summary>`, '', ...passed.map((check) => `- ✅ ${inline(check.title)} (\`${check.code}\`)`), '', '</details>', '');
  const gaps = notRunItems(report);
  const notRun = report.checks.filter((check) => outcomeResult(check) === 'not-run').length;
  const partly = gaps.length - notRun;
  if (gaps.length) lines.push(`<details><summary>${notRun} not run${partly ? `, and ${partly} in part` : ''}: not checked, so not passed</summary>`, '', ...gaps, '', '</details>', '');
  for (const note of report.notes) lines.push(`> ${inline(note)}`, '');
  const accepted = report.findings.filter((finding) => finding.accepted).length;
  const tally = ORDER.map((severity) => [severity, report.findings.filter((finding) => finding.severity === severity && !finding.accepted).length] as const)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`)
    .concat(accepted ? [`${accepted} accepted (suppressed or in the baseline; not counted)`] : []);
  lines.push(
    `**${report.verdict.toUpperCase()}**: ${[...tally, `${passed.length} passed`, ...(notRun ? [`${notRun} not run`] : [])].join(', ')} in ${(report.durationMs / 1000).toFixed(1)} s · vectorclinic ${report.tool.version}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Checks that could not run, and parts of checks that ran without them, each with what would let it run. */
function notRunItems(report: Report): string[] {
  return report.checks.flatMap((check) => {
    if (outcomeResult(check) === 'not-run') return [`- ⏭️ ${inline(check.title)} (\`${check.code}\`): ${inline(check.detail ?? 'its inputs were missing')}`];
    return (check.notChecked ?? []).map((reason) => `- ⏭️ \`${check.code}\`, in part: ${inline(reason)}`);
  });
}

function acceptedTag(finding: Finding): string {
  return finding.accepted?.by === 'baseline' ? 'baseline' : 'suppressed';
}

function details(finding: Finding): string[] {
  const evidence = Object.entries(finding.evidence).map(([key, value]) => `| ${cell(evidenceName(key))} | ${cell(evidenceValue(key, value))} | ${cell(evidenceMeaning(finding.code, key))} |`);
  return [
    `<details${finding.severity === 'fail' && !finding.accepted ? ' open' : ''}><summary><b>${finding.accepted ? `${acceptedTag(finding)} ` : ''}${finding.severity}</b> <code>${finding.code}</code> ${html(finding.title)}</summary>`,
    '',
    ...(finding.accepted ? [`**${acceptedTag(finding)}:** ${inline(finding.accepted.reason)} (${inline(finding.accepted.source)}); not counted in the verdict.`, ''] : []),
    inline(finding.message),
    '',
    `**Fix:** ${inline(finding.fix)}`,
    '',
    ...(evidence.length ? ['| evidence | value | meaning |', '|---|---|---|', ...evidence, ''] : []),
    '</details>',
    '',
  ];
}

/** Text inside a table cell: pipes and newlines would break the row. */
export function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Text that must not open HTML tags in a PR comment. */
function inline(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function html(text: string): string {
  return inline(text.replace(/&/g, '&amp;'));
}
