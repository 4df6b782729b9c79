import { type BaseRows, exactTopKSync, fusedTopKAvailable, widenedRows } from './exact-top-k.js';
import { kernels } from './kernels.js';
import type { Rows } from '../core/rows.js';
import { type ExactSearchOptions, exactSearchReference, type NeighborLists } from './top-k-reference.js';

// The reference search and the selector live beside the TypeScript reference, below the fused
// engine that is tested against them; re-exported here, where callers look for them.
export { type ExactSearchOptions, type ExcludedRows, exactSearchReference, type NeighborLists, type SearchSpec, TopKSelector } from './top-k-reference.js';

/**
 * Exact k-nearest-neighbour search under `options.metric`, brute force. `options.exclude` drops
 * base rows: a set drops them for every query (the queries' own rows when they are drawn from the
 * base), a function `exclude(queryIndex, baseIndex)` drops single pairs (served by the slower reference loop).
 * Base rows may be float32 or in their stored type (float16, int8, ...), widened inside the search.
 */
export function exactSearch(queries: Rows, base: BaseRows, options: ExactSearchOptions): NeighborLists {
  const { exclude } = options;
  // The fused kernel gives the same lists without a score matrix; the reference loop serves
  // per-pair exclusions and the reference kernels (VECTORCLINIC_KERNELS=js, or no WebAssembly).
  if (typeof exclude !== 'function' && kernels().name === 'wasm' && fusedTopKAvailable()) {
    return exactTopKSync(queries, base, { metric: options.metric, k: options.k, excludedRows: exclude });
  }
  return exactSearchReference(queries, widenedRows(base), options);
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
