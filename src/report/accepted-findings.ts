import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FINDING_CODES, severityRank, type Finding, type FindingCode, type Severity } from '../core/finding.js';
import type { Report, Verdict } from '../core/report.js';
import { InputError } from '../errors.js';
import { sortLabels } from '../checks/runner.js';

/** Suppress `code` (for the checked target) because of `reason`; `source` says where the rule is written. */
export interface SuppressionRule {
  readonly code: FindingCode;
  readonly reason: string;
  readonly source: string;
}

/** What a baseline report says was already known: code and severity per target. */
export interface Baseline {
  readonly path: string;
  readonly generatedAt?: string;
  readonly findings: ReadonlyMap<string, ReadonlyMap<FindingCode, Severity>>;
}

/**
 * Mark the findings the team accepted, ESLint style, and recompute the verdict and labels from the
 * rest. A suppression needs a reason; a baseline accepts a finding when the baseline holds the
 * same code for the same target at the same or a higher severity (a warn that became a fail is
 * new). Matching never looks at the message or its numbers, which move between runs.
 */
export function acceptFindings(report: Report, rules: readonly SuppressionRule[], baselines: readonly Baseline[]): Report {
  if (rules.length === 0 && baselines.length === 0) return report;
  const known = baselines.map((baseline) => ({ baseline, codes: baselineFor(baseline, report.target) }));
  const notes = known.filter((entry) => !entry.codes).map((entry) => `baseline ${entry.baseline.path} has no report for ${report.target}: every finding counts as new`);
  const findings = report.findings.map((finding): Finding => {
    const rule = rules.find((candidate) => candidate.code === finding.code);
    if (rule) return { ...finding, accepted: { by: 'suppression', reason: rule.reason, source: rule.source } };
    for (const { baseline, codes } of known) {
      const before = codes?.get(finding.code);
      if (before !== undefined && severityRank(finding.severity) <= severityRank(before)) {
        const when = baseline.generatedAt ? ` of ${baseline.generatedAt}` : '';
        return { ...finding, accepted: { by: 'baseline', reason: `already in the baseline report${when} (${before})`, source: baseline.path } };
      }
    }
    return finding;
  });
  const active = findings.filter((finding) => !finding.accepted);
  const verdict: Verdict = active.some((f) => f.severity === 'fail') ? 'fail' : active.some((f) => f.severity === 'warn') ? 'warn' : 'pass';
  const labels = sortLabels(active.filter((f) => f.severity !== 'info').flatMap((f) => f.labels));
  return { ...report, findings, verdict, labels, notes: [...report.notes, ...notes] };
}

/** Findings that still count: the verdict, the labels and the exit code come from these. */
export function activeFindings(report: Report): Finding[] {
  return report.findings.filter((finding) => !finding.accepted);
}

/**
 * Read a baseline: a JSON report (schema 1) as `check --format json` writes it, or an array of
 * them. Only target, code and severity are read, so reports of later versions still work.
 */
export function readBaseline(path: string): Baseline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code ? `cannot read the baseline (${code})` : `the baseline is not JSON (${(error as Error).message})`, { where: path, hint: 'give a report written by `vectorclinic check --format json`' });
  }
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const findings = new Map<string, Map<FindingCode, Severity>>();
  let generatedAt: string | undefined;
  for (const [index, entry] of reports.entries()) {
    const report = entry as { schema?: unknown; target?: unknown; generatedAt?: unknown; findings?: unknown };
    if (report?.schema !== 1 || typeof report.target !== 'string' || !Array.isArray(report.findings)) {
      throw new InputError(`${Array.isArray(parsed) ? `entry ${index} is` : 'this is'} not a vectorclinic JSON report (schema 1 with target and findings)`, {
        where: path,
        hint: 'write the baseline with `vectorclinic check TARGET --format json -o baseline.json`',
      });
    }
    generatedAt ??= typeof report.generatedAt === 'string' ? report.generatedAt : undefined;
    const codes = findings.get(targetKey(report.target)) ?? new Map<FindingCode, Severity>();
    for (const finding of report.findings as { code?: unknown; severity?: unknown }[]) {
      const code = finding?.code as FindingCode;
      const severity = finding?.severity as Severity;
      if (!FINDING_CODES.includes(code) || !['info', 'warn', 'fail'].includes(severity)) continue;
      const previous = codes.get(code);
      if (previous === undefined || severityRank(severity) > severityRank(previous)) codes.set(code, severity);
    }
    findings.set(targetKey(report.target), codes);
  }
  return { path, ...(generatedAt ? { generatedAt } : {}), findings };
}

function baselineFor(baseline: Baseline, target: string): ReadonlyMap<FindingCode, Severity> | undefined {
  return baseline.findings.get(targetKey(target));
}

/** Targets as reports print them: store URLs as given (redacted), files resolved so ./a.npy and a.npy agree. */
function targetKey(target: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : resolve(target);
}
