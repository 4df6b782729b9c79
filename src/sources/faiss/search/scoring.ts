import type { Rows } from '../../../core/rows.js';
import { kernels } from '../../../math/kernels.js';
import { TopKSelector } from '../../../math/top-k.js';
import { selectRows } from '../../../math/vectors.js';

/** Rows scored per kernel call: bounds the score buffer to queries × 4096 floats. */
export const SCORE_BLOCK_ROWS = 4096;

/** The two metrics FAISS search is reproduced for. */
export type SearchMetric = 'ip' | 'l2';

/**
 * Running top-k per query over decoded rows, scored as FAISS ranks them: inner product, or L2
 * distance (as 2·q·x − ‖x‖², which orders rows like −‖q − x‖² for a fixed query).
 */
export class QueryTopK {
  private readonly selectors: TopKSelector[];
  private scores = new Float32Array(0);

  constructor(
    private readonly metric: SearchMetric,
    private readonly queries: Float32Array,
    readonly count: number,
    private readonly dim: number,
    private readonly k: number,
  ) {
    this.selectors = Array.from({ length: count }, () => new TopKSelector(k));
  }

  /**
   * Offer `rowCount` decoded rows (row numbers `firstRow`, `firstRow + 1`, ...) to the queries in
   * `queryIndices` (all queries when undefined).
   */
  offer(rows: Float32Array, rowCount: number, firstRow: number, queryIndices?: readonly number[]): void {
    if (rowCount === 0) return;
    const queryCount = queryIndices ? queryIndices.length : this.count;
    if (queryCount === 0) return;
    const subset = queryIndices ? selectRows(this.queries, this.dim, queryIndices) : this.queries;
    if (this.scores.length < queryCount * rowCount) this.scores = new Float32Array(queryCount * rowCount);
    kernels().dot({ data: subset, count: queryCount, dim: this.dim }, { data: rows, count: rowCount, dim: this.dim }, this.scores);
    const norms = this.metric === 'l2' ? squaredNorms(rows, rowCount, this.dim) : undefined;
    for (let q = 0; q < queryCount; q++) {
      const selector = this.selectors[queryIndices ? (queryIndices[q] as number) : q] as TopKSelector;
      const offset = q * rowCount;
      for (let r = 0; r < rowCount; r++) {
        const dot = this.scores[offset + r] as number;
        selector.offer(firstRow + r, norms ? 2 * dot - (norms[r] as number) : dot);
      }
    }
  }

  /** Row numbers of each query's top-k, best first. */
  results(): number[][] {
    const ids = new Int32Array(this.k);
    const scores = new Float32Array(this.k);
    return this.selectors.map((selector) => {
      selector.write(ids, scores, 0);
      return Array.from(ids).filter((id) => id >= 0);
    });
  }
}

export function squaredNorms(rows: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (rows[r * dim + j] as number) ** 2;
    out[r] = sum;
  }
  return out;
}

/** The `n` best centroids for each query under the quantizer's metric (FAISS's coarse assignment). */
export function nearestCentroids(metric: SearchMetric, queries: Rows, centroids: Rows, n: number): number[][] {
  const { dim } = queries;
  const nlist = centroids.count;
  const top = new QueryTopK(metric, queries.data, queries.count, dim, Math.min(n, nlist));
  for (let start = 0; start < nlist; start += SCORE_BLOCK_ROWS) {
    const rows = Math.min(SCORE_BLOCK_ROWS, nlist - start);
    top.offer(centroids.data.subarray(start * dim, (start + rows) * dim), rows, start);
  }
  return top.results();
}
