import type { Evidence, FindingCode, Label, Severity } from '../core/finding.js';
import type { CheckContext } from '../computed/check-context.js';
import type { ArtifactName, Artifacts } from '../gather/artifacts.js';

/** Everything a reader of the report (or `vectorclinic explain`) needs to know about a check. */
export interface CheckMeta {
  readonly code: FindingCode;
  /** Title when the check passes: "No zero vectors". */
  readonly title: string;
  /** Title when it finds a problem: "Zero vectors in the store". */
  readonly failureTitle: string;
  /** The root cause and why it breaks retrieval. */
  readonly description: string;
  /** How the check decides, with its thresholds and their reasons. */
  readonly decides: string;
  /** Evidence fields the finding carries, and what each means. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly labels: readonly Label[];
  /** Artifacts the check needs: without one it does not run (and says what would let it). */
  readonly requiredArtifacts: readonly ArtifactName[];
  /** Artifacts the check reads only when present (a query set, an index): it runs without them. */
  readonly optionalArtifacts?: readonly ArtifactName[];
  /** The general fix, in no one engine's terms; findings may give a more specific one. */
  readonly fix: string;
  /**
   * The general fix in one store's own terms, by source kind (pgvector, lancedb, faiss …): added
   * to the fix only on that kind of store, so a plain .npy never gets pgvector advice.
   */
  readonly storeFix?: Readonly<Record<string, string>>;
}

/** What a check reports when it finds something (null when the store passes it). */
export interface CheckResult {
  readonly severity: Severity;
  readonly message: string;
  readonly evidence: Evidence;
  /** Overrides meta.failureTitle (e.g. an info finding that is not a failure). */
  readonly title?: string;
  /** A fix specific to this store; defaults to meta.fix. */
  readonly fix?: string;
  /** Labels beyond meta.labels that this particular situation earns (e.g. No.14). */
  readonly extraLabels?: readonly Label[];
}

/**
 * A check, or part of one, that could not run on this store: never shown as passed. `notRun` says
 * what was missing and what would let it run, in plain words ("pass --queries FILE to compare your
 * query vectors with the store"). When the rest of the check did run, `ranTitle` is the passing
 * title of that rest ("Stored vectors match the normalization the policy declares").
 */
export interface CheckGap {
  readonly notRun: string;
  readonly ranTitle?: string;
}

/** The whole check could not run: why, and what would let it. */
export function notRun(reason: string): CheckGap {
  return { notRun: reason };
}

/** Part of the check could not run (`reason`); the rest ran and, if it found nothing, passes as `ranTitle`. */
export function partlyRun(ranTitle: string, reason: string): CheckGap {
  return { notRun: reason, ranTitle };
}

export function isGap(value: CheckResult | CheckGap): value is CheckGap {
  return typeof (value as CheckGap).notRun === 'string';
}

/** What a check's run returns: findings, gaps (what it could not check), both, or null for a clean pass. */
export type CheckReturn = CheckResult | CheckGap | readonly (CheckResult | CheckGap)[] | null;

export interface Check {
  readonly meta: CheckMeta;
  /** Pure: reads artifacts (and memoized derivations of them), returns findings and what it could not check. */
  run(artifacts: Artifacts, context: CheckContext): CheckReturn;
}

export function defineCheck(check: Check): Check {
  return check;
}
