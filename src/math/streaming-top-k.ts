import type { Metric } from '../core/policy.js';
import type { Rows } from '../core/rows.js';
import { ExactTopKAccumulator, fusedTopKAvailable } from './exact-top-k.js';
import { kernels } from './kernels.js';
import { type SearchSpec, TopKSelector } from './top-k.js';
import { normalizedCopy } from './vectors.js';

/**
 * Exact top-k for many queries over rows that arrive in blocks (a cursor over a store, a file
 * scan): every row is scored against every query by the dot kernel as it passes, and only the
 * k best per query are kept, so memory is one block plus queries × k whatever the row count.
 *
 * Ranking is the engine's: cosine by q·x/‖x‖ (q normalized once), L2 by 2q·x − ‖x‖² (the same
 * order as ‖q − x‖²), inner product by q·x. Rows whose score is NaN (a zero row under cosine)
 * never rank. Equal scores keep the row seen first; copies of one vector can differ in the last
 * place with their position in a block (the kernel's tiling), so their order among themselves is free.
 */
export class ExactTopKStream {
  private readonly queries: Float32Array;
  private readonly selectors: TopKSelector[];
  /** Ids of rows that entered some query's top-k, by their position in the stream. */
  private readonly idsByPosition = new Map<number, string>();
  /** The fused kernel keeps the lists when it can run here; the selectors below otherwise. */
  private readonly fused: ExactTopKAccumulator | undefined;
  private scores = new Float32Array(0);
  private rowTerms = new Float64Array(0);
  private seen = 0;
  private readonly queryCount: number;
  private readonly dim: number;
  private readonly metric: Metric;
  private readonly k: number;

  constructor(queries: Rows, spec: SearchSpec) {
    const { count: queryCount, dim } = queries;
    const { metric, k } = spec;
    this.queryCount = queryCount;
    this.dim = dim;
    this.metric = metric;
    this.k = k;
    this.fused = kernels().name === 'wasm' && fusedTopKAvailable() ? new ExactTopKAccumulator(queries, { metric, k, zeroRowsNeverRank: true }) : undefined;
    this.queries = metric === 'cosine' ? normalizedCopy(queries.data, queryCount, dim) : queries.data.subarray(0, queryCount * dim);
    this.selectors = Array.from({ length: queryCount }, () => new TopKSelector(k));
  }

  /** Rows seen so far. */
  get rows(): number {
    return this.seen;
  }

  /** Score `count` rows (row-major `data`) whose ids are `ids[i]`. */
  add(data: Float32Array, count: number, ids: readonly string[]): void {
    if (count === 0) return;
    if (this.fused) {
      const first = this.seen;
      this.fused.add(data, count);
      this.seen += count;
      this.fused.forEachListed((position) => {
        if (position >= first) this.idsByPosition.set(position, ids[position - first] as string);
      });
      if (this.idsByPosition.size > 4 * this.queryCount * this.k) this.prune();
      return;
    }
    const { dim, queryCount } = this;
    if (this.scores.length < queryCount * count) this.scores = new Float32Array(queryCount * count);
    if (this.rowTerms.length < count) this.rowTerms = new Float64Array(count);
    const scores = this.scores;
    kernels().dot({ data: this.queries, count: queryCount, dim }, { data, count, dim }, scores);
    if (this.metric !== 'ip') this.rowTermsOf(data, count);
    const first = this.seen;
    for (let q = 0; q < queryCount; q++) {
      const selector = this.selectors[q] as TopKSelector;
      const offset = q * count;
      for (let i = 0; i < count; i++) selector.offer(first + i, this.score(scores[offset + i] as number, i));
    }
    this.seen += count;
    // Remember the ids of this block's rows that made it into some list (few: most rows never do).
    const top = new Int32Array(this.k);
    const unused = new Float32Array(this.k);
    for (const selector of this.selectors) {
      selector.write(top, unused, 0);
      for (const position of top) if (position >= first) this.idsByPosition.set(position, ids[position - first] as string);
    }
    if (this.idsByPosition.size > 4 * queryCount * this.k) this.prune();
  }

  /** Per query, the ids of its top-k rows, best first. */
  result(): string[][] {
    if (this.fused) {
      const lists = this.fused.lists();
      return Array.from({ length: this.queryCount }, (_, q) =>
        Array.from(lists.ids.subarray(q * lists.k, (q + 1) * lists.k))
          .filter((position) => position >= 0)
          .map((position) => this.idsByPosition.get(position) as string),
      );
    }
    const top = new Int32Array(this.k);
    const unused = new Float32Array(this.k);
    return this.selectors.map((selector) => {
      selector.write(top, unused, 0);
      return Array.from(top)
        .filter((position) => position >= 0)
        .map((position) => this.idsByPosition.get(position) as string);
    });
  }

  private score(dot: number, row: number): number {
    if (this.metric === 'ip') return dot;
    // L2: ‖x‖²; cosine: 1/‖x‖ (Infinity for a zero row, so 0 · Infinity = NaN never ranks).
    const rowTerm = this.rowTerms[row] as number;
    return this.metric === 'l2' ? 2 * dot - rowTerm : dot * rowTerm;
  }

  private rowTermsOf(data: Float32Array, count: number): void {
    const { dim } = this;
    for (let i = 0; i < count; i++) {
      let sum = 0;
      const base = i * dim;
      for (let j = 0; j < dim; j++) {
        const value = data[base + j] as number;
        sum += value * value;
      }
      this.rowTerms[i] = this.metric === 'l2' ? sum : 1 / Math.sqrt(sum);
    }
  }

  /** Forget ids no list holds any more. */
  private prune(): void {
    const live = new Set<number>();
    this.fused?.forEachListed((position) => live.add(position));
    const top = new Int32Array(this.k);
    const unused = new Float32Array(this.k);
    for (const selector of this.selectors) {
      selector.write(top, unused, 0);
      for (const position of top) if (position >= 0) live.add(position);
    }
    for (const position of this.idsByPosition.keys()) if (!live.has(position)) this.idsByPosition.delete(position);
  }
}
