import type { Severity } from '../core/finding.js';
import type { Metric } from '../core/policy.js';

/** What `vectorclinic diff` reports, one code per kind of change. */
export const DIFF_CODES = ['dimension-change', 'count-change', 'norm-change', 'policy-change', 'distribution-drift', 'neighbor-stability', 'recall-change'] as const;
export type DiffCode = (typeof DIFF_CODES)[number];

export interface DiffFinding {
  readonly code: DiffCode;
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly fix?: string;
}

export interface DiffOptions {
  /** Metric for neighbour lists (default: the manifests', else cosine). */
  readonly metric?: Metric;
  /** Rows compared per snapshot (default 4000). */
  readonly sample?: number;
  readonly seed?: number;
  /** JSONL with each row's id, per side (default: the manifest's id list, else the row number / store key order). */
  readonly ids?: string;
  readonly afterIds?: string;
  readonly idField?: string;
  /** Known-answer questions: recall before and after, through smoke. */
  readonly questions?: string;
  /** Query vectors for the questions (row i = question i); afterQueryVectors when AFTER holds another model's vectors. */
  readonly queryVectors?: string;
  readonly afterQueryVectors?: string;
  /** Label permutations for the drift null (default 50). */
  readonly permutations?: number;
}

export interface SnapshotSummary {
  readonly target: string;
  readonly kind: string;
  readonly rows: number;
  readonly dim: number;
  readonly norms: { readonly p05: number; readonly p50: number; readonly p95: number };
  /** Share of sampled rows of unit length (±1e-3). */
  readonly unitShare: number;
  readonly manifest: string | null;
  readonly policy: Readonly<Record<string, string | number | boolean | null>>;
}

export interface DiffReport {
  readonly schema: 1;
  readonly kind: 'diff';
  readonly verdict: 'pass' | 'warn' | 'fail';
  readonly before: SnapshotSummary;
  readonly after: SnapshotSummary;
  readonly metric: Metric;
  /** How rows were paired: 'id' (id lists), 'row' (row number / key order), or 'none'. */
  readonly pairing: 'id' | 'row' | 'none';
  readonly pairedRows: number;
  readonly findings: readonly DiffFinding[];
  readonly stats: Readonly<Record<string, unknown>>;
  readonly seconds: number;
}
