import type { Metric } from '../core/policy.js';
import type { Severity } from '../core/finding.js';
import type { GuardTotals } from '../guard/types.js';

export const INDEX_TYPES = ['hnsw', 'ivfpq', 'ivfflat', 'flat'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

export interface RebuildOptions {
  /** Vector file (or anything `check` opens) holding the embeddings to rebuild from. */
  readonly source: string;
  /** Index file to write: its extension picks the engine (.hnsw hnswlib, .usearch, .faiss, .npy flat). */
  readonly out: string;
  readonly metric: Metric;
  readonly index: IndexType;
  /** Force an engine instead of choosing by extension: hnswlib, usearch, faiss, numpy. */
  readonly engine?: string;
  /** Dimension contract (default: the source's). */
  readonly dim?: number;
  readonly model?: string;
  readonly dedup?: boolean;
  readonly maskBoilerplate?: boolean;
  readonly whiten?: boolean;
  /** JSONL with one document id per source row (field `idField`, default `id`). */
  readonly ids?: string;
  readonly idField?: string;
  /** Append rejected rows and reasons to this JSONL file. */
  readonly quarantine?: string;
  readonly seed?: number;
  /** HNSW overrides (default M 32, efConstruction 200, efSearch 128). */
  readonly hnsw?: { readonly M?: number; readonly efConstruction?: number; readonly efSearch?: number };
  /** Do it; without this only the plan is made. */
  readonly apply?: boolean;
  /** Run `check` on the source before and the result after (default true). */
  readonly checkBeforeAfter?: boolean;
  /** Called as each apply step starts. */
  readonly onStep?: (step: RebuildStep) => void;
}

export const REBUILD_STEPS = ['load', 'clean', 'transform', 'build', 'verify', 'sidecars', 'commit-index', 'commit-manifest', 'cleanup'] as const;
export type RebuildStep = (typeof REBUILD_STEPS)[number];

export interface RebuildPlan {
  readonly source: { readonly target: string; readonly kind: string; readonly rows: number; readonly dim: number; readonly storage: string; readonly bytes: number };
  readonly out: string;
  readonly engine: string;
  readonly index: { readonly type: IndexType; readonly params: Readonly<Record<string, number | string | boolean>> };
  readonly metric: Metric;
  readonly normalize: boolean;
  readonly whiten: boolean;
  readonly dedup: boolean;
  readonly maskBoilerplate: boolean;
  /** What the guard will do, measured by scanning the source (every row). */
  readonly guard: GuardTotals;
  /** Where each row's document id comes from: --ids, the source's manifest (a guard's id list), or row numbers. */
  readonly ids: string;
  /** Human-readable steps, in order. */
  readonly steps: readonly string[];
  readonly estimate: { readonly peakMemoryBytes: number; readonly indexBytes: number; readonly seconds: number; readonly basis: string };
}

export interface FindingSummary {
  readonly verdict: 'pass' | 'warn' | 'fail';
  readonly findings: readonly { readonly code: string; readonly severity: Severity }[];
}

export interface RebuildResult {
  readonly schema: 1;
  readonly mode: 'plan' | 'apply';
  readonly plan: RebuildPlan;
  readonly applied?: {
    readonly accepted: number;
    readonly rejected: number;
    readonly duplicatesRemoved: number;
    readonly boilerplateMasked: number;
    readonly rowsWritten: number;
    /** ntotal read back from the written index by the engine itself. */
    readonly ntotal: number;
    readonly manifest: string;
    readonly ids: string;
    readonly seconds: number;
    readonly staleTempsRemoved: readonly string[];
  };
  readonly before?: FindingSummary;
  readonly after?: FindingSummary;
}
