import { LABELS, severityRank, type Finding, type Label } from '../core/finding.js';
import type { CheckOutcome } from '../core/report.js';
import type { Artifacts } from '../gather/artifacts.js';
import { createContext, type CheckContext } from '../computed/check-context.js';
import { isGap, type Check, type CheckGap, type CheckResult } from './check.js';
import { ArtifactReadTracker, assertEvidenceDeclared, CheckContractError, contractsEnforcedByEnvironment } from './contract.js';
import { missingInputReason } from './missing-inputs.js';

export interface CheckRun {
  readonly findings: readonly Finding[];
  readonly outcomes: readonly CheckOutcome[];
  readonly context: CheckContext;
}

export { createContext } from '../computed/check-context.js';

export interface RunChecksOptions {
  /** Shared memo of derived data; a fresh one by default. */
  readonly context?: CheckContext;
  /**
   * Hold every check to its meta: it sees only the artifacts it declares, and an evidence key it
   * does not document aborts the run with a CheckContractError. Defaults to
   * VECTORCLINIC_CHECK_CONTRACTS=strict, which the test suite sets; off for users, so a slip in a
   * declaration never costs them a report.
   */
  readonly enforceContracts?: boolean;
}

/**
 * Run every check over the artifacts. A check whose inputs are missing, or that says it could not
 * run, is 'not run' (never passed), with what would let it run; a check that throws becomes an
 * 'error' outcome — one broken check never aborts the report.
 */
export function runChecks(artifacts: Artifacts, checks: readonly Check[], options: RunChecksOptions = {}): CheckRun {
  const context = options.context ?? createContext();
  const tracker = (options.enforceContracts ?? contractsEnforcedByEnvironment()) ? new ArtifactReadTracker() : undefined;
  const findings: Finding[] = [];
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const { meta } = check;
    const missing = meta.requiredArtifacts.filter((name) => artifacts[name] === undefined);
    if (missing.length > 0) {
      outcomes.push(notRunOutcome(check, missingInputReason(missing, artifacts)));
      continue;
    }
    let returned: readonly (CheckResult | CheckGap)[];
    try {
      const value = tracker ? check.run(tracker.view(artifacts, check), tracker.context(context, check)) : check.run(artifacts, context);
      returned = value === null ? [] : Array.isArray(value) ? value : [value as CheckResult | CheckGap];
    } catch (error) {
      if (error instanceof CheckContractError) throw error;
      outcomes.push({ code: meta.code, title: meta.title, status: 'error', result: 'error', detail: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const gaps = returned.filter(isGap);
    const results = returned.filter((value): value is CheckResult => !isGap(value));
    if (tracker) assertEvidenceDeclared(check, results);
    const notChecked = gaps.length ? { notChecked: gaps.map((gap) => gap.notRun) } : {};
    if (results.length > 0) {
      const finding = mergeResults(check, results, artifacts.source.kind);
      findings.push(finding);
      outcomes.push({ code: meta.code, title: finding.title, status: finding.severity, result: 'finding', ...notChecked });
      continue;
    }
    const ran = gaps.find((gap) => gap.ranTitle !== undefined);
    if (gaps.length > 0 && !ran) {
      outcomes.push(notRunOutcome(check, gaps.map((gap) => gap.notRun).join('; ')));
      continue;
    }
    outcomes.push({ code: meta.code, title: ran?.ranTitle ?? meta.title, status: 'pass', result: 'passed', ...notChecked });
  }
  return { findings, outcomes, context };
}

function notRunOutcome(check: Check, reason: string): CheckOutcome {
  return { code: check.meta.code, title: check.meta.title, status: 'not-applicable', result: 'not-run', detail: reason };
}

/** One finding per code: a check that found several things reports them together. */
function mergeResults(check: Check, results: readonly CheckResult[], kind: string): Finding {
  const ordered = [...results].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const top = ordered[0] as CheckResult;
  const labels = new Set<Label>(check.meta.labels);
  for (const result of ordered) for (const label of result.extraLabels ?? []) labels.add(label);
  return {
    code: check.meta.code,
    severity: top.severity,
    title: top.title ?? (top.severity === 'info' ? check.meta.title : check.meta.failureTitle),
    message: ordered.map((result) => result.message).join(' '),
    evidence: Object.assign(
      {},
      ...ordered
        .slice()
        .reverse()
        .map((result) => result.evidence),
    ),
    fix: ordered.find((result) => result.fix)?.fix ?? generalFix(check, kind),
    labels: sortLabels(labels),
  };
}

function generalFix(check: Check, kind: string): string {
  const local = check.meta.storeFix?.[kind];
  return local ? `${check.meta.fix} ${local}` : check.meta.fix;
}

export function sortLabels(labels: Iterable<Label>): Label[] {
  return [...new Set(labels)].sort((a, b) => LABELS.indexOf(a) - LABELS.indexOf(b));
}
