import pc from 'picocolors';
import { count, figure, percent } from '../core/format.js';
import type { Finding, Severity } from '../core/finding.js';
import type { Report } from '../core/report.js';

export interface TextOptions {
  /** Colour output; callers decide (TTY and NO_COLOR). */
  readonly color: boolean;
}

const ORDER: readonly Severity[] = ['fail', 'warn', 'info'];

/** Terminal report: verdict and policy first, findings grouped by severity, one-line summary last. */
export function formatText(report: Report, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const badge: Record<Severity | 'pass', (text: string) => string> = {
    fail: (text) => c.bold(c.red(text)),
    warn: (text) => c.bold(c.yellow(text)),
    info: (text) => c.cyan(text),
    pass: (text) => c.bold(c.green(text)),
  };
  const lines: string[] = [];
  const { stats, policy } = report;
  lines.push(`${c.bold('vectorclinic check')} ${report.target}`);
  lines.push(
    table([
      ['verdict', badge[report.verdict](report.verdict.toUpperCase()) + (report.labels.length ? `  ${report.labels.join(' ')}` : '')],
      ['store', `${report.kind}, ${count(stats.rows)}${stats.rowsExact ? '' : ' (estimated)'} × ${stats.dim} ${stats.storage}`],
      ['declared', describeDeclared(report)],
      ['observed', `vectors ${policy.observed.normState}${policy.observed.indexMetric ? `, index metric ${policy.observed.indexMetric}` : ''}; safe metrics: ${policy.observed.safeMetrics.join(', ')}`],
      ['scanned', `${count(stats.scanned)} rows (${stats.scanScope === 'full' ? 'every row' : 'sample'}), ${count(stats.sampled)} sampled for search, seed ${stats.seed}`],
      ['norms', `min ${figure(stats.norms.min ?? NaN)}  p50 ${figure(stats.norms.p50 ?? NaN)}  max ${figure(stats.norms.max ?? NaN)}`],
      ['overlap@20', stats.overlapAt20 === null ? 'n/a' : `${figure(stats.overlapAt20, 3)}  (pc1 ${stats.pc1Ratio === null ? 'n/a' : percent(stats.pc1Ratio, 1)}, mean cos ${figure(stats.meanCosine ?? NaN, 3)})`],
    ]),
  );
  for (const severity of ORDER) {
    const group = report.findings.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    lines.push('', c.bold(`${severity.toUpperCase()} (${group.length})`));
    for (const finding of group) lines.push(...formatFinding(finding, badge[severity], c.dim));
  }
  const passed = report.checks.filter((outcome) => outcome.status === 'pass');
  if (passed.length) lines.push('', c.bold(`PASSED (${passed.length})`), ...passed.map((outcome) => `  ${c.green('✓')} ${outcome.title}  ${c.dim(outcome.code)}`));
  const errored = report.checks.filter((outcome) => outcome.status === 'error');
  if (errored.length) lines.push('', c.bold('CHECK ERRORS'), ...errored.map((outcome) => `  ${outcome.code}: ${outcome.detail ?? ''}`));
  for (const note of report.notes) lines.push(c.dim(`note: ${note}`));
  lines.push('', summaryLine(report, badge));
  return `${lines.join('\n')}\n`;
}

function describeDeclared(report: Report): string {
  const declared = report.policy.declared;
  const parts = [
    declared.metric ? `metric ${declared.metric}` : 'no metric',
    declared.dim ? `dim ${declared.dim}` : undefined,
    declared.model ? `model ${declared.model}` : undefined,
    declared.normalized !== undefined ? (declared.normalized ? 'normalized' : 'raw') : undefined,
  ].filter(Boolean);
  return parts.join(', ');
}

function formatFinding(finding: Finding, paint: (text: string) => string, dim: (text: string) => string): string[] {
  return [
    `  ${paint(finding.severity.padEnd(4))} ${finding.code}  ${finding.title}  ${dim(finding.labels.join(' '))}`,
    ...wrap(finding.message, 96).map((line) => `       ${line}`),
    ...wrap(`fix: ${finding.fix}`, 96).map((line) => `       ${dim(line)}`),
  ];
}

function summaryLine(report: Report, badge: Record<Severity | 'pass', (text: string) => string>): string {
  const counts = ORDER.map((severity) => [severity, report.findings.filter((f) => f.severity === severity).length] as const);
  const parts = counts.filter(([, n]) => n > 0).map(([severity, n]) => `${n} ${severity}`);
  const passed = report.checks.filter((outcome) => outcome.status === 'pass').length;
  return `${badge[report.verdict](report.verdict.toUpperCase())}: ${[...parts, `${passed} passed`].join(', ')} in ${(report.durationMs / 1000).toFixed(1)}s`;
}

/** Two aligned columns. */
function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`).join('\n');
}

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
