import type { Metric } from '../core/policy.js';

/** What the guard does with a row that breaks the policy. */
export const BAD_ROW_ACTIONS = ['reject', 'quarantine', 'throw'] as const;
export type BadRowAction = (typeof BAD_ROW_ACTIONS)[number];

/** Why a row was refused. */
export type RejectCause = 'dimension' | 'nonfinite' | 'zero' | 'duplicate' | 'existing-id' | 'unreadable';

/**
 * A row a reader could not turn into a vector (a line that does not parse, a NULL, a row of the
 * wrong length in a ragged column): it never reaches `check`, but it was ingested and is refused.
 */
export interface UnreadableRow {
  /** Where the row was in the caller's input (a source row number): reported as the rejected row's `row`. */
  readonly row: number;
  readonly id: RowId;
  readonly kind: 'length' | 'parse' | 'null';
  readonly detail: string;
  /** For `length`: how many values the row had. */
  readonly length?: number;
}

export type RowId = string | number;

/**
 * What `createGuard` takes. `onBad: 'quarantine'` needs the `quarantine` file it appends to, so the
 * type requires it (and createGuard refuses it at run time for plain JavaScript callers).
 */
export type GuardOptions = GuardSettings & ({ readonly onBad?: 'reject' | 'throw'; readonly quarantine?: string } | { readonly onBad: 'quarantine'; readonly quarantine: string });

export interface GuardSettings {
  /** Every row must have exactly this many values. */
  readonly dim: number;
  readonly metric: Metric;
  /** L2-normalize accepted rows so the stored state matches the policy. Default: true for cosine. */
  readonly normalize?: boolean;
  /** reject (default): drop and report; quarantine: also append them to `quarantine`; throw: refuse the batch. */
  readonly onBad?: BadRowAction;
  /** JSONL file rejected rows are appended to (required with onBad 'quarantine'). */
  readonly quarantine?: string | undefined;
  /** Exact copies of an already-seen row: 'flag' (default: accepted, reported) or 'reject'. */
  readonly duplicates?: 'flag' | 'reject';
  /** Ids the store already holds: rows reusing them are rejected (reported, never overwritten). */
  readonly knownIds?: Iterable<RowId>;
  /** Remember accepted ids across batches to refuse re-used ones (default true; costs memory per id). */
  readonly trackIds?: boolean;
  /** Receives one line per batch: the dimension contract and the counts. */
  readonly log?: (line: string) => void;
  /** |norm − 1| at or below which a row counts as already normalized (default: float32 rounding). */
  readonly normTolerance?: number;
}

/** A batch of rows: a flat row-major Float32Array, an array of rows, or a typed matrix. */
export type GuardBatch = Float32Array | readonly ArrayLike<number>[] | GuardMatrix;

export interface GuardMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

export interface BatchOptions {
  /** One id per row (default: a running row number across batches). */
  readonly ids?: readonly RowId[];
  /** Shown in logs, reports and the quarantine file (default: a running batch number). */
  readonly batchId?: string;
  /**
   * Write the accepted rows here (at least rows × dim floats) instead of a new array: a streaming
   * caller that consumes each batch before the next reuses one buffer, and skips allocating (and
   * page-faulting) a fresh matrix per batch. `accepted.data` is then a view of it, or the batch's own
   * array when no row was dropped or rescaled.
   */
  readonly into?: Float32Array;
}

export interface RejectedRow {
  /** Index of the row inside the batch. */
  readonly row: number;
  readonly id: RowId;
  readonly cause: RejectCause;
  readonly detail: string;
  /** For duplicates: the id of the row first seen with this content. */
  readonly duplicateOf?: RowId;
}

export interface AcceptedRows {
  readonly dim: number;
  readonly count: number;
  /**
   * count × dim floats, row-major, in batch order. When nothing had to change (no row refused, no
   * row rescaled) this is the caller's own Float32Array, not a copy.
   */
  readonly data: Float32Array;
  readonly ids: readonly RowId[];
  /** Index inside the batch of each accepted row. */
  readonly rows: Int32Array;
}

export interface BatchReport {
  readonly batchId: string;
  /** Rows handed in: always accepted + rejected. */
  readonly ingested: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly causes: Readonly<Record<RejectCause, number>>;
  /** The dimension contract for this batch. */
  readonly dimension: { readonly expected: number; readonly ok: boolean; readonly found: readonly number[] };
  /** Accepted rows that repeat an earlier row's exact content. */
  readonly duplicates: { readonly flagged: number; readonly first: readonly { readonly id: RowId; readonly duplicateOf: RowId }[] };
  readonly normalization: {
    readonly applied: boolean;
    /** Rows rescaled to unit length. */
    readonly rescaled: number;
    /** Rows already unit length, stored as given (never normalized twice). */
    readonly alreadyUnit: number;
  };
  /** Rows written to the quarantine file. */
  readonly quarantined: number;
}

export interface GuardResult {
  readonly accepted: AcceptedRows;
  readonly rejected: readonly RejectedRow[];
  readonly report: BatchReport;
}

export interface Guard {
  readonly options: Readonly<Required<Pick<GuardOptions, 'dim' | 'metric' | 'normalize' | 'onBad' | 'duplicates'>>>;
  check(batch: GuardBatch, options?: BatchOptions): GuardResult;
  /**
   * Refuse rows the reader could not decode, so they count as ingested and rejected (and are
   * quarantined, or throw, as the guard's onBad says) instead of vanishing.
   */
  refuseUnreadable(rows: readonly UnreadableRow[], options?: Pick<BatchOptions, 'batchId'>): GuardResult;
  /** Ids found in the store since the guard was created: rows reusing them are rejected from now on. */
  rememberIds(ids: Iterable<RowId>): void;
  /** Running totals over every batch checked so far. */
  totals(): GuardTotals;
}

export interface GuardTotals {
  readonly batches: number;
  readonly ingested: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly causes: Readonly<Record<RejectCause, number>>;
  readonly duplicatesFlagged: number;
  readonly rescaled: number;
  readonly alreadyUnit: number;
}
