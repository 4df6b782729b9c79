import type { Evidence, FindingCode, Label, Severity } from '../core/finding.js';
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
  readonly requiredArtifacts: readonly ArtifactName[];
  /** The general fix; findings may give a more specific one. */
  readonly fix: string;
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

/** Shared, memoized derived data (neighbour lists, geometry) so checks never recompute each other's work. */
export interface CheckContext {
  memo<T>(key: string, compute: () => T): T;
}

export interface Check {
  readonly meta: CheckMeta;
  /**
   * Why the check cannot judge this store although its artifacts exist (e.g. it compares against a
   * manifest the store does not have); undefined when it can. Reported as not-applicable, never as a pass.
   */
  notApplicable?(artifacts: Artifacts): string | undefined;
  /** Pure: reads artifacts (and memoized derivations of them), returns findings. */
  run(artifacts: Artifacts, context: CheckContext): CheckResult | readonly CheckResult[] | null;
}

export function defineCheck(check: Check): Check {
  return check;
}
