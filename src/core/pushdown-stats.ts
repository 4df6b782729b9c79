/** Counts a store computed over all of its rows (SQL aggregates, engine statistics). */
export interface PushdownStats {
  /** How the counts were computed, for evidence ("one SQL aggregate over every row"). */
  readonly method: string;
  /** Rows the store holds, including rows without a vector. */
  readonly totalRows: number;
  /** Rows whose vector is missing (NULL): no search can return them. */
  readonly nullRows?: number;
  /** All-zero vectors among the rest. */
  readonly zeroRows?: number;
  /** Store ids (primary keys) of the first zero vectors. */
  readonly zeroIds?: readonly string[];
  /** Rows holding NaN or ±Inf (0 when the column type rejects them). */
  readonly nonfiniteRows?: number;
  /** Rows whose vector repeats an earlier row's vector exactly. */
  readonly duplicateVectorRows?: number;
  /** Rows whose id repeats another row's id, and the id column counted. */
  readonly duplicateIdRows?: number;
  readonly idColumn?: string;
  /** A few of the repeated ids. */
  readonly duplicateIdExamples?: readonly string[];
}
