import type { PushdownStats, SourceDescription, VectorSource } from '../sources/source.js';

/**
 * Exact per-row counts from the store itself, for sources gathered from a sample. A full scan
 * already counts every row, so the store is not asked twice.
 */
export async function gatherPushdown(source: VectorSource, fullScan: boolean): Promise<PushdownStats | undefined> {
  if (fullScan || !source.pushdownStats) return undefined;
  return source.pushdownStats();
}

/** A per-row fact counted by the store over every row that holds a vector. */
export interface StoreCount {
  readonly count: number;
  /** Rows with a vector: the denominator of the rate. */
  readonly total: number;
  readonly method: string;
  /** Store ids of the first such rows, when the store listed them. */
  readonly firstIds: readonly string[];
}

/** The store's exact count of `fact`, when it computed one; checks fall back to the sample otherwise. */
export function storeCount(pushdown: PushdownStats | undefined, source: SourceDescription, fact: 'zeroRows' | 'nonfiniteRows' | 'duplicateVectorRows'): StoreCount | undefined {
  const count = pushdown?.[fact];
  if (pushdown === undefined || count === undefined) return undefined;
  const total = pushdown.totalRows - (pushdown.nullRows ?? 0);
  // A store that changed between describe() and the count would make the rate meaningless.
  if (total !== source.rows && source.rowsExact) return undefined;
  return { count, total, method: pushdown.method, firstIds: fact === 'zeroRows' ? (pushdown.zeroIds ?? []) : [] };
}
