import { nearDuplicateThreshold } from '../computed/near-duplicates.js';
import { kernels } from '../math/kernels.js';
import { Rng } from '../math/rng.js';
import { UnionFind } from '../math/union-find.js';
import { normalizedCopy } from '../math/vectors.js';
import { loadHnswlib } from './engines/native.js';

/**
 * A content repeated this often is template text (headers, footers, cookie banners, "page N of M"),
 * not an answer: masking drops every copy, deduplication keeps one.
 */
export const BOILERPLATE_MIN_COPIES = 10;
/** Neighbours examined per row for near-duplicate candidates: copies of one row are its nearest rows. */
const CANDIDATES = 8;
/** A light graph is enough to find rows at cosine ≥ 0.999: they are each other's nearest neighbours. */
const CANDIDATE_M = 16;
const CANDIDATE_EF = 64;
/** Up to this many rows the candidate pairs come from exact search (quadratic but exact). */
const EXACT_ROWS = 4096;

export interface CleanPlan {
  /** Positions (into the loaded rows) to keep, ascending. */
  readonly keep: Int32Array;
  /** For each kept position, the positions folded into it as near-duplicates. */
  readonly folded: ReadonlyMap<number, readonly number[]>;
  readonly duplicatesRemoved: number;
  readonly boilerplateMasked: number;
  readonly boilerplateGroups: number;
  /** Cosine distance under which two rows were the same content. */
  readonly threshold: number;
}

/**
 * Near-duplicate clusters among the loaded rows (exact copies included). Candidates come from an
 * HNSW graph over unit rows (exact search for small inputs), confirmed by cosine ≥ 1 − threshold,
 * where the threshold follows the data's own nearest-neighbour spacing (as the duplicate-rows check).
 */
export function planCleaning(data: Float32Array, count: number, dim: number, options: { readonly dedup: boolean; readonly maskBoilerplate: boolean; readonly seed: number }): CleanPlan {
  const all = Int32Array.from({ length: count }, (_, i) => i);
  if ((!options.dedup && !options.maskBoilerplate) || count < 2) {
    return { keep: all, folded: new Map(), duplicatesRemoved: 0, boilerplateMasked: 0, boilerplateGroups: 0, threshold: 0 };
  }
  const unit = normalizedCopy(data, count, dim);
  const { threshold } = nearDuplicateThreshold(unit, count, dim, new Rng(options.seed ^ 0xc1ea));
  const minCosine = 1 - threshold;
  const sets = new UnionFind(count);
  forEachCandidatePair(unit, count, dim, (a, b, cosine) => {
    if (cosine >= minCosine) sets.union(a, b);
  });
  const drop = new Uint8Array(count);
  const folded = new Map<number, number[]>();
  let duplicatesRemoved = 0;
  let boilerplateMasked = 0;
  let boilerplateGroups = 0;
  for (const group of sets.groups()) {
    const sorted = [...group].sort((a, b) => a - b);
    if (options.maskBoilerplate && sorted.length >= BOILERPLATE_MIN_COPIES) {
      for (const position of sorted) drop[position] = 1;
      boilerplateMasked += sorted.length;
      boilerplateGroups++;
      continue;
    }
    if (!options.dedup) continue;
    const [first, ...rest] = sorted as [number, ...number[]];
    for (const position of rest) drop[position] = 1;
    folded.set(first, rest);
    duplicatesRemoved += rest.length;
  }
  const keep = all.filter((position) => !drop[position]);
  return { keep, folded, duplicatesRemoved, boilerplateMasked, boilerplateGroups, threshold };
}

/** Calls `visit(a, b, cosine)` for candidate pairs of unit rows (a < b; a pair may come twice). */
function forEachCandidatePair(unit: Float32Array, count: number, dim: number, visit: (a: number, b: number, cosine: number) => void): void {
  if (count <= EXACT_ROWS) {
    const scores = new Float32Array(count);
    for (let a = 0; a < count; a++) {
      kernels().dot({ data: unit.subarray(a * dim, (a + 1) * dim), count: 1, dim }, { data: unit, count, dim }, scores);
      for (let b = a + 1; b < count; b++) visit(a, b, scores[b] as number);
    }
    return;
  }
  const index = new (loadHnswlib().HierarchicalNSW)('ip', dim);
  index.initIndex(count, CANDIDATE_M, CANDIDATE_EF, 100);
  const point: number[] = new Array(dim).fill(0);
  for (let row = 0; row < count; row++) {
    for (let j = 0; j < dim; j++) point[j] = unit[row * dim + j] as number;
    index.addPoint(point, row);
  }
  index.setEf(CANDIDATE_EF);
  for (let row = 0; row < count; row++) {
    for (let j = 0; j < dim; j++) point[j] = unit[row * dim + j] as number;
    const { neighbors, distances } = index.searchKnn(point, CANDIDATES);
    // hnswlib's inner-product distance is 1 − dot.
    neighbors.forEach((other, i) => {
      if (other !== row) visit(Math.min(row, other), Math.max(row, other), 1 - (distances[i] as number));
    });
  }
}
