import type { Artifacts } from '../gather/artifacts.js';
import { wilsonInterval } from '../math/bounds.js';

/**
 * Deleted entries an index file still holds (hnswlib markDelete, usearch remove), and what they do
 * to search, as measured by the self-search of sampled rows: lists shorter than k, deleted ids returned.
 */
export interface DeletedMarks {
  readonly count: number;
  readonly entries: number;
  readonly share: number;
  readonly examples: readonly string[];
  readonly stillRoute: boolean;
  readonly method: string;
  /** What search did, when the index was searched (undefined: not measured). */
  readonly search?: {
    readonly queries: number;
    readonly shortLists: number;
    readonly shortLow: number;
    readonly shortHigh: number;
    readonly deletedReturned: number;
    readonly k: number;
  };
}

/** The file side of deleted-rows: undefined when the index marks nothing deleted. */
export function deletedMarks(artifacts: Artifacts): DeletedMarks | undefined {
  const deleted = artifacts.index?.deletedRows;
  if (!deleted || deleted.count === 0) return undefined;
  const reach = artifacts.reachability;
  const search = reach ? { queries: reach.rowsProbed, shortLists: reach.shortLists, deletedReturned: reach.deletedReturned, k: reach.k, ...interval(reach.shortLists, reach.rowsProbed) } : undefined;
  return {
    count: deleted.count,
    entries: deleted.entries,
    share: deleted.count / Math.max(1, deleted.entries),
    examples: deleted.examples,
    stillRoute: deleted.stillRoute,
    method: deleted.method,
    ...(search ? { search } : {}),
  };
}

function interval(hits: number, trials: number): { shortLow: number; shortHigh: number } {
  const { low, high } = wilsonInterval(hits, trials);
  return { shortLow: low, shortHigh: high };
}
