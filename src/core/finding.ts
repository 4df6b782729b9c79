/**
 * Labels of the failure families this tool diagnoses.
 * No.8: retrieval health. No.14: the boot/build order contributed (index trained or built
 * before the data was clean or present). No.16: the store was queried while empty or mixed.
 */
export const LABELS = ['No.8', 'No.14', 'No.16'] as const;
export type Label = (typeof LABELS)[number];

export const SEVERITIES = ['info', 'warn', 'fail'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Stable finding codes. Adding one is an API change: it also needs docs and tests. */
export const FINDING_CODES = [
  'zero-vectors',
  'nonfinite-values',
  'dimension-mismatch',
  'metric-mismatch',
  'normalization-drift',
  'mixed-norm-shards',
  'duplicate-rows',
  'neighbor-collapse',
  'stale-codebook',
  'model-changed',
  'cluster-imbalance',
  'id-collision',
  'empty-index',
  'ann-recall',
  'count-mismatch',
  'mixed-models',
  'query-model-mismatch',
  'filtered-recall',
  'unreachable-rows',
  'deleted-rows',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export type EvidenceValue = string | number | boolean | null | readonly EvidenceValue[] | { readonly [key: string]: EvidenceValue };

export type Evidence = { readonly [key: string]: EvidenceValue };

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly title: string;
  /** What is wrong and why it matters, in one or two sentences with the numbers. */
  readonly message: string;
  readonly evidence: Evidence;
  /** The concrete fix for this store. */
  readonly fix: string;
  readonly labels: readonly Label[];
  /**
   * Set when the team accepted this finding: suppressed with a reason (config file, store manifest,
   * options) or already in the --baseline report. Still shown in every report, marked; it does
   * not count toward the verdict, the labels or the exit code.
   */
  readonly accepted?: AcceptedFinding;
}

export interface AcceptedFinding {
  readonly by: 'suppression' | 'baseline';
  readonly reason: string;
  /** Where the acceptance is written: the config file, the manifest, or the baseline report. */
  readonly source: string;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
