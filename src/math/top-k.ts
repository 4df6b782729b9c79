import { exactTopKSync, fusedTopKAvailable } from './exact-top-k.js';
import { kernels } from './kernels.js';
import { normalizedCopy, rowNorms } from './vectors.js';
import type { Metric } from '../core/policy.js';

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

/**
 * Exact k-nearest-neighbour search under `metric`, brute force. `exclude` drops base rows: a set
 * drops them for every query (the queries' own rows when they are drawn from the base), a
 * function `exclude(queryIndex, baseIndex)` drops single pairs (served by the slower reference loop).
 */
export function exactSearch(
  queries: Float32Array,
  queryCount: number,
  base: Float32Array,
  baseCount: number,
  dim: number,
  metric: Metric,
  k: number,
  exclude?: ((queryIndex: number, baseIndex: number) => boolean) | ReadonlySet<number>,
): NeighborLists {
  // The fused kernel gives the same lists without a score matrix; the reference loop serves
  // per-pair exclusions and the reference kernels (VECTORCLINIC_KERNELS=js, or no WebAssembly).
  if (typeof exclude !== 'function' && kernels().name === 'wasm' && fusedTopKAvailable()) {
    return exactTopKSync(queries, queryCount, base, baseCount, dim, metric, k, exclude ? { excludedRows: exclude } : {});
  }
  return exactSearchReference(queries, queryCount, base, baseCount, dim, metric, k, exclude);
}

/** `exactSearch` through the dot kernel and a score matrix block: the reference the fused kernel is tested against. */
export function exactSearchReference(
  queries: Float32Array,
  queryCount: number,
  base: Float32Array,
  baseCount: number,
  dim: number,
  metric: Metric,
  k: number,
  exclude?: ((queryIndex: number, baseIndex: number) => boolean) | ReadonlySet<number>,
): NeighborLists {
  const skip = typeof exclude === 'function' ? exclude : exclude?.size ? (_query: number, row: number) => exclude.has(row) : undefined;
  const kk = Math.min(k, baseCount);
  const q = metric === 'cosine' ? normalizedCopy(queries, queryCount, dim) : queries;
  const b = metric === 'cosine' ? normalizedCopy(base, baseCount, dim) : base;
  const baseNorms2 = metric === 'l2' ? squared(rowNorms(base, baseCount, dim)) : undefined;
  const ids = new Int32Array(queryCount * kk);
  const scores = new Float32Array(queryCount * kk);
  const block = new Float32Array(Math.min(QUERY_BLOCK, queryCount) * baseCount);
  const selector = new TopKSelector(kk);
  for (let start = 0; start < queryCount; start += QUERY_BLOCK) {
    const rows = Math.min(QUERY_BLOCK, queryCount - start);
    kernels().dot(q.subarray(start * dim, (start + rows) * dim), rows, b, baseCount, dim, block);
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

/** Mean over all query pairs of |A∩B| / k: near 0 when lists depend on the query, 1 when all are equal. */
export function meanPairwiseOverlap(lists: NeighborLists): { readonly mean: number; readonly max: number; readonly pairs: number } {
  const { queries, k, ids } = lists;
  const sets = Array.from({ length: queries }, (_, i) => new Set(ids.subarray(i * k, (i + 1) * k)));
  let total = 0;
  let max = 0;
  let pairs = 0;
  for (let a = 0; a < queries; a++) {
    const setA = sets[a] as Set<number>;
    for (let b = a + 1; b < queries; b++) {
      let shared = 0;
      for (const id of sets[b] as Set<number>) if (id >= 0 && setA.has(id)) shared++;
      const overlap = shared / k;
      total += overlap;
      if (overlap > max) max = overlap;
      pairs++;
    }
  }
  return { mean: pairs ? total / pairs : 0, max, pairs };
}

/** Mean over queries of |A_i ∩ B_i| / k: how much two rankings of the same queries agree. */
export function listAgreement(a: NeighborLists, b: NeighborLists): number {
  const k = Math.min(a.k, b.k);
  let total = 0;
  for (let q = 0; q < a.queries; q++) {
    const set = new Set(a.ids.subarray(q * a.k, q * a.k + k));
    let shared = 0;
    for (let i = 0; i < k; i++) if (set.has(b.ids[q * b.k + i] as number)) shared++;
    total += shared / k;
  }
  return a.queries ? total / a.queries : 1;
}
