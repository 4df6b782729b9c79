import { count } from '../core/format.js';
import type { Report } from '../core/report.js';
import { EXIT } from '../errors.js';
import type { PlannedOutput } from './outputs.js';

/** One target of a `check` run: its report, or the exit code of the error that stopped it. */
export interface TargetResult {
  readonly target: string;
  readonly report?: Report;
  readonly exitCode: number;
}

/** Commander collector for repeatable options (`-f json -f html`). */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/**
 * One exit code for several targets: a target that could not be read (2) outranks a failed
 * gate (1), because its verdict is unknown; a bug (3) outranks both.
 */
export function combinedExitCode(results: readonly TargetResult[]): number {
  const codes = new Set(results.map((result) => result.exitCode));
  for (const code of [EXIT.internal, EXIT.badInput, EXIT.failFindings]) if (codes.has(code)) return code;
  return EXIT.ok;
}

/**
 * The summary after several targets: one line each (verdict, counts, or the error), on stdout
 * below text reports, else on stderr so machine-readable stdout stays one format.
 */
export function writeSummary(results: readonly TargetResult[], plans: readonly (readonly PlannedOutput[])[], options: { readonly quiet?: boolean }): void {
  const onStdout = plans.every((plan) => plan.some((output) => output.path === undefined && output.format === 'text'));
  if (!onStdout && options.quiet) return;
  const exitCode = combinedExitCode(results);
  const tally = (key: string): number => results.filter((result) => (result.report ? result.report.verdict : 'error') === key).length;
  const lines = [`${count(results.length)} targets: ${tally('fail')} fail, ${tally('warn')} warn, ${tally('pass')} pass, ${tally('error')} not checked (exit ${exitCode})`];
  for (const result of results) {
    if (!result.report) {
      lines.push(`  ERROR  ${result.target}  could not be checked (exit ${result.exitCode}; the error is above)`);
      continue;
    }
    const findings = result.report.findings;
    const fails = findings.filter((finding) => finding.severity === 'fail').length;
    const warns = findings.filter((finding) => finding.severity === 'warn').length;
    lines.push(`  ${result.report.verdict.toUpperCase().padEnd(5)}  ${result.report.target}  ${fails} fail, ${warns} warn`);
  }
  const text = `${lines.join('\n')}\n`;
  if (onStdout) process.stdout.write(`\n${text}`);
  else process.stderr.write(text);
}
