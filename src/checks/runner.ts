import { LABELS, severityRank, type Finding, type Label } from '../core/finding.js';
import type { CheckOutcome } from '../core/report.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { Check, CheckContext, CheckResult } from './check.js';

export interface CheckRun {
  readonly findings: readonly Finding[];
  readonly outcomes: readonly CheckOutcome[];
  readonly context: CheckContext;
}

export function createContext(): CheckContext {
  const cache = new Map<string, unknown>();
  return {
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}

/**
 * Run every check over the artifacts. A check whose artifacts are missing is not applicable; a
 * check that throws becomes an 'error' outcome — one broken check never aborts the report.
 */
export function runChecks(artifacts: Artifacts, checks: readonly Check[], context = createContext()): CheckRun {
  const findings: Finding[] = [];
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const { meta } = check;
    const missing = meta.requiredArtifacts.filter((name) => artifacts[name] === undefined);
    if (missing.length > 0) {
      outcomes.push({ code: meta.code, title: meta.title, status: 'not-applicable', detail: `needs ${missing.join(', ')}` });
      continue;
    }
    const inapplicable = check.notApplicable?.(artifacts);
    if (inapplicable) {
      outcomes.push({ code: meta.code, title: meta.title, status: 'not-applicable', detail: inapplicable });
      continue;
    }
    let results: readonly CheckResult[];
    try {
      const returned = check.run(artifacts, context);
      results = returned === null ? [] : Array.isArray(returned) ? returned : [returned as CheckResult];
    } catch (error) {
      outcomes.push({ code: meta.code, title: meta.title, status: 'error', detail: error instanceof Error ? error.message : String(error) });
      continue;
    }
    if (results.length === 0) {
      outcomes.push({ code: meta.code, title: meta.title, status: 'pass' });
      continue;
    }
    const finding = mergeResults(check, results);
    findings.push(finding);
    outcomes.push({ code: meta.code, title: finding.title, status: finding.severity });
  }
  return { findings, outcomes, context };
}

/** One finding per code: a check that found several things reports them together. */
function mergeResults(check: Check, results: readonly CheckResult[]): Finding {
  const ordered = [...results].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const top = ordered[0] as CheckResult;
  const labels = new Set<Label>(check.meta.labels);
  for (const result of ordered) for (const label of result.extraLabels ?? []) labels.add(label);
  return {
    code: check.meta.code,
    severity: top.severity,
    title: top.title ?? (top.severity === 'info' ? check.meta.title : check.meta.failureTitle),
    message: ordered.map((result) => result.message).join(' '),
    evidence: Object.assign({}, ...ordered.slice().reverse().map((result) => result.evidence)),
    fix: ordered.find((result) => result.fix)?.fix ?? check.meta.fix,
    labels: sortLabels(labels),
  };
}

export function sortLabels(labels: Iterable<Label>): Label[] {
  return [...new Set(labels)].sort((a, b) => LABELS.indexOf(a) - LABELS.indexOf(b));
}
