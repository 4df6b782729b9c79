import pc from 'picocolors';
import { count, figure, percent } from '../core/format.js';
import type { Finding, Severity } from '../core/finding.js';
import { outcomeResult, type Report } from '../core/report.js';
import { LABEL_MEANINGS } from './label-meanings.js';
import { wrap } from './wrap.js';

export interface TextOptions {
  /** Colour output; callers decide (TTY and NO_COLOR). */
  readonly color: boolean;
}

const ORDER: readonly Severity[] = ['fail', 'warn', 'info'];
/** Message width: fits an 80-column terminal after the 7-column indent with room to spare. */
const WRAP = 88;
const INDENT = '       ';

type Paint = (text: string) => string;

/** Terminal report: verdict and policy first, measures aligned, findings grouped by severity, one-line summary last. */
export function formatText(report: Report, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const badge: Record<Severity | 'pass', Paint> = {
    fail: (text) => c.bold(c.red(text)),
    warn: (text) => c.bold(c.yellow(text)),
    info: (text) => c.cyan(text),
    pass: (text) => c.bold(c.green(text)),
  };
  const { stats, policy } = report;
  // The exact command that produced this report: pasting it gives the same report (same seed).
  const lines: string[] = [report.invocation ? c.bold(report.invocation.command) : `${c.bold('vectorclinic check')} ${report.target}`, ''];
  lines.push(
    ...pairs([
      ['verdict', badge[report.verdict](report.verdict.toUpperCase())],
      ...report.labels.map((label, i): [string, string] => [i === 0 ? 'labels' : '', `${c.bold(label)} ${c.dim(LABEL_MEANINGS[label])}`]),
      ['store', `${report.kind}, ${stats.storage}${stats.rowsExact ? '' : ', row count estimated'}`],
      ['declared', describeDeclared(report)],
      ['observed', `vectors ${policy.observed.normState}${policy.observed.indexMetric ? `, index metric ${policy.observed.indexMetric}` : ''}; safe metrics: ${policy.observed.safeMetrics.join(', ')}`],
    ]),
    '',
    ...measures(
      [
        ['rows', count(stats.rows), stats.scanScope === 'full' ? 'every row scanned' : `${count(stats.scanned)} scanned (a sample)`],
        ['dimensions', count(stats.dim), ''],
        ['sampled', count(stats.sampled), `for search; seed ${stats.seed}`],
        ['norm min', figure(stats.norms.min ?? NaN), ''],
        ['norm median', figure(stats.norms.p50 ?? NaN), ''],
        ['norm max', figure(stats.norms.max ?? NaN), ''],
        ['overlap@20', stats.overlapAt20 === null ? 'n/a' : figure(stats.overlapAt20, 3), 'shared neighbours of random queries (≈0 is healthy)'],
        ['PC1 share', stats.pc1Ratio === null ? 'n/a' : percent(stats.pc1Ratio, 1), 'variance on the first principal component'],
        ['mean cosine', stats.meanCosine === null ? 'n/a' : figure(stats.meanCosine, 3), 'between random stored vectors'],
      ],
      c.dim,
    ),
  );
  for (const severity of ORDER) {
    const group = report.findings.filter((finding) => finding.severity === severity && !finding.accepted);
    if (group.length === 0) continue;
    lines.push('', badge[severity](`${severity.toUpperCase()} (${group.length})`));
    for (const finding of group) lines.push(...formatFinding(finding, badge[severity], c.dim, c.bold));
  }
  // Accepted findings stay in view, with who accepted them and why; they do not count.
  const accepted = report.findings.filter((finding) => finding.accepted);
  if (accepted.length) {
    lines.push('', c.bold(`ACCEPTED (${accepted.length}): suppressed or in the baseline, not counted`));
    for (const finding of accepted) {
      lines.push(...formatFinding(finding, c.dim, c.dim, c.bold));
      const how = finding.accepted?.by === 'baseline' ? 'baseline' : 'suppressed';
      lines.push(...wrap(`${how}: ${finding.accepted?.reason} (${finding.accepted?.source})`, WRAP).map((line) => `${INDENT}${line}`));
    }
  }
  const passed = report.checks.filter((outcome) => outcome.status === 'pass');
  if (passed.length) lines.push('', c.bold(`PASSED (${passed.length})`), ...passed.map((outcome) => `  ${c.green('✓')} ${outcome.title}  ${c.dim(outcome.code)}`));
  const gaps = notRunLines(report);
  if (gaps.length)
    lines.push('', c.bold(`NOT RUN (${notRunCount(report)}): not checked, so not passed`), ...gaps.flatMap(([head, reason]) => [`  – ${head}`, ...wrap(reason, WRAP).map((line) => `${INDENT}${c.dim(line)}`)]));
  const errored = report.checks.filter((outcome) => outcome.status === 'error');
  if (errored.length) lines.push('', c.bold(c.red(`CHECK ERRORS (${errored.length})`)), ...errored.map((outcome) => `  ${c.red('!')} ${outcome.code}: ${outcome.detail ?? ''}`));
  if (report.notes.length) lines.push('', ...report.notes.map((note) => c.dim(`note: ${note}`)));
  const first = report.findings.find((finding) => finding.severity !== 'info' && !finding.accepted);
  if (first) lines.push('', c.dim(`what a finding or label means: vectorclinic explain ${first.code}${report.labels[0] ? `, vectorclinic explain ${report.labels[0]}` : ''}`));
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

/** Title, what is wrong, then the fix: the line to act on, so it is bold rather than dimmed. */
function formatFinding(finding: Finding, paint: Paint, dim: Paint, bold: Paint): string[] {
  return [
    `  ${paint(finding.severity.padEnd(4))} ${finding.code}  ${finding.title}  ${dim(finding.labels.join(' '))}`,
    ...wrap(finding.message, WRAP).map((line) => `${INDENT}${line}`),
    ...wrap(`fix: ${finding.fix}`, WRAP).map((line) => `${INDENT}${bold(line)}`),
  ];
}

/** "3" or "3, and 1 check in part": the header counts checks the way the summary line does. */
function notRunCount(report: Report): string {
  const whole = report.checks.filter((outcome) => outcomeResult(outcome) === 'not-run').length;
  const partly = report.checks.filter((outcome) => outcomeResult(outcome) !== 'not-run' && outcome.notChecked?.length).length;
  return partly ? `${whole}, and ${partly} ${partly === 1 ? 'check' : 'checks'} in part` : String(whole);
}

/** Checks that did not run, and parts of checks that ran without them: what each needs to run. */
function notRunLines(report: Report): [string, string][] {
  return report.checks.flatMap((outcome): [string, string][] => {
    const result = outcomeResult(outcome);
    if (result === 'not-run') return [[`${outcome.code}  ${outcome.title}`, outcome.detail ?? 'its inputs were missing']];
    return (outcome.notChecked ?? []).map((reason): [string, string] => [`${outcome.code}  (in part)`, reason]);
  });
}

function summaryLine(report: Report, badge: Record<Severity | 'pass', Paint>): string {
  const counts = ORDER.map((severity) => [severity, report.findings.filter((f) => f.severity === severity && !f.accepted).length] as const);
  const accepted = report.findings.filter((f) => f.accepted).length;
  const parts = [...counts.filter(([, n]) => n > 0).map(([severity, n]) => `${n} ${severity}`), ...(accepted ? [`${accepted} accepted`] : [])];
  const passed = report.checks.filter((outcome) => outcome.status === 'pass').length;
  const notRun = report.checks.filter((outcome) => outcome.status === 'not-applicable').length;
  const labels = report.labels.length ? ` [${report.labels.join(' ')}]` : '';
  return `${badge[report.verdict](report.verdict.toUpperCase())}${labels}: ${[...parts, `${passed} passed`, ...(notRun ? [`${notRun} not run`] : [])].join(', ')} in ${(report.durationMs / 1000).toFixed(1)}s`;
}

/** Two columns, keys padded to one width. */
function pairs(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`);
}

/** Name, number right-aligned on its last digit, note: figures line up down the column. */
function measures(rows: readonly (readonly [string, string, string])[], dim: Paint): string[] {
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  return rows.map(([name, value, note]) => `  ${name.padEnd(nameWidth)}  ${value.padStart(valueWidth)}${note ? `  ${dim(note)}` : ''}`);
}
