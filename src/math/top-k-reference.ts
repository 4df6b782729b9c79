import type { Metric } from '../core/policy.js';
import type { Rows } from '../core/rows.js';
import { kernels } from './kernels.js';
import { normalizedCopy, rowNorms } from './vectors.js';

/** Top-k neighbour lists: row i holds the k best base rows for query i, best first. */
export interface NeighborLists {
  readonly queries: number;
  readonly k: number;
  /** queries × k indices into the base matrix. */
  readonly ids: Int32Array;
  /** queries × k similarity scores (higher is nearer; L2 gives the negated squared distance). */
  readonly scores: Float32Array;
}

/** Query rows processed per kernel call: bounds the score buffer to BLOCK × base floats. */
const QUERY_BLOCK = 64;

/** Base rows a search drops: a set for every query, or `exclude(queryIndex, baseIndex)` for single pairs. */
export type ExcludedRows = ((queryIndex: number, baseIndex: number) => boolean) | ReadonlySet<number>;

/** What every exact search is asked: the metric to rank by and how many neighbours per query. */
export interface SearchSpec {
  readonly metric: Metric;
  readonly k: number;
}

export interface ExactSearchOptions extends SearchSpec {
  readonly exclude?: ExcludedRows;
}

/** The dimension queries and base share; a mismatch is a caller's bug, caught before any kernel reads past a row. */
export function sharedDim(queries: Pick<Rows, 'dim'>, base: Pick<Rows, 'dim'>): number {
  if (queries.dim !== base.dim) throw new RangeError(`exact search: queries have ${queries.dim} dimensions, base rows ${base.dim}`);
  return queries.dim;
}

/** `exactSearch` through the dot kernel and a score matrix block: the reference the fused kernel is tested against. */
export function exactSearchReference(queries: Rows, base: Rows, options: ExactSearchOptions): NeighborLists {
  const { metric, k, exclude } = options;
  const dim = sharedDim(queries, base);
  const queryCount = queries.count;
  const baseCount = base.count;
  const skip = typeof exclude === 'function' ? exclude : exclude?.size ? (_query: number, row: number) => exclude.has(row) : undefined;
  const kk = Math.min(k, baseCount);
  const q = metric === 'cosine' ? normalizedCopy(queries.data, queryCount, dim) : queries.data;
  const b = metric === 'cosine' ? normalizedCopy(base.data, baseCount, dim) : base.data;
  const baseNorms2 = metric === 'l2' ? squared(rowNorms(base.data, baseCount, dim)) : undefined;
  const ids = new Int32Array(queryCount * kk);
  const scores = new Float32Array(queryCount * kk);
  const block = new Float32Array(Math.min(QUERY_BLOCK, queryCount) * baseCount);
  const selector = new TopKSelector(kk);
  for (let start = 0; start < queryCount; start += QUERY_BLOCK) {
    const rows = Math.min(QUERY_BLOCK, queryCount - start);
    kernels().dot({ data: q.subarray(start * dim, (start + rows) * dim), count: rows, dim }, { data: b, count: baseCount, dim }, block);
    for (let r = 0; r < rows; r++) {
      const queryIndex = start + r;
      selector.reset();
      const offset = r * baseCount;
      for (let j = 0; j < baseCount; j++) {
        if (skip?.(queryIndex, j)) continue;
        // For L2, ‖q−x‖² = ‖q‖² − 2q·x + ‖x‖²; ‖q‖² is constant per query so it cannot change the order.
        const score = baseNorms2 ? 2 * (block[offset + j] as number) - (baseNorms2[j] as number) : (block[offset + j] as number);
        selector.offer(j, score);
      }
      selector.write(ids, scores, queryIndex * kk);
    }
  }
  return { queries: queryCount, k: kk, ids, scores };
}

function squared(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) ** 2;
  return values;
}

/** Keeps the k largest scores seen, in a sorted array (k is small: insertion beats a heap). */
export class TopKSelector {
  private readonly ids: Int32Array;
  private readonly scores: Float32Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.ids = new Int32Array(k);
    this.scores = new Float32Array(k);
  }

  reset(): void {
    this.size = 0;
  }

  offer(id: number, score: number): void {
    const k = this.k;
    // biome-ignore lint/suspicious/noSelfCompare: the cheapest NaN test in the hottest loop
    if (k === 0 || !(score === score)) return; // NaN never ranks
    if (this.size === k && score <= (this.scores[k - 1] as number)) return;
    let position = this.size < k ? this.size++ : k - 1;
    while (position > 0 && (this.scores[position - 1] as number) < score) {
      this.scores[position] = this.scores[position - 1] as number;
      this.ids[position] = this.ids[position - 1] as number;
      position--;
    }
    this.scores[position] = score;
    this.ids[position] = id;
  }

  write(ids: Int32Array, scores: Float32Array, offset: number): void {
    for (let i = 0; i < this.k; i++) {
      ids[offset + i] = i < this.size ? (this.ids[i] as number) : -1;
      scores[offset + i] = i < this.size ? (this.scores[i] as number) : -Infinity;
    }
  }
}
