import type { Rows } from '../core/rows.js';
import { kernels } from '../math/kernels.js';
import { type Rng, sampleIndices, shuffle } from '../math/rng.js';
import { columnMean, normalizeInPlace, selectRows } from '../math/vectors.js';

/**
 * Do two sets of vectors come from one embedding model? Two models' coordinate systems are
 * unrelated: a vector of one model is as similar to the other model's vectors as a randomly
 * rotated copy of itself would be. One model's vectors of different topics still share its axes,
 * so their best matches across the topics sit well above that chance level.
 *
 * Each set is centered on its own mean first: a model's shared mean direction would otherwise
 * make any two sets of one model look related (good), but also make two models look related or
 * unrelated by the luck of how their mean directions happen to align (±1/√d: noise).
 *
 * The chance level comes from the data itself: each probe, its coordinates randomly permuted and
 * sign-flipped (an orthogonal map that keeps its own geometry), matched against the same pool.
 */
export interface CrossMatch {
  /** Probes measured. */
  readonly probes: number;
  /** Pool rows each probe is matched against (the same size for every comparison). */
  readonly pool: number;
  /** Neighbours averaged per probe (top-k mean cosine). */
  readonly k: number;
  /** Mean top-k cosine of the probes against the pool (centered vectors). */
  readonly cosine: number;
  /** The same for the probes in unrelated coordinates: what no relation at all gives. */
  readonly chance: number;
  /** Per-probe (cosine − chance): mean and standard error. */
  readonly excess: number;
  readonly excessError: number;
}

/** Probes per comparison: the standard error of a mean excess over 60 probes is a few thousandths. */
const MAX_PROBES = 60;
/** Pool rows per comparison: top-k over 400 rows is stable, and 60×400×d stays cheap at 1,536 dims. */
const MAX_POOL = 400;
const TOP_K = 5;
/** Unrelated coordinate systems drawn for the chance level (their mean is what is compared). */
const NULL_DRAWS = 3;

/** Rows centered on their own mean and scaled to unit length (a copy). */
export function centeredUnit(data: Float32Array, count: number, dim: number): Float32Array {
  const mean = columnMean(data, count, dim);
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) out[r * dim + j] = (data[r * dim + j] as number) - (mean[j] as number);
  }
  normalizeInPlace(out, count, dim);
  return out;
}

/** Pool size for matching a part of `probeRows` rows against one of `poolRows`: equal pools keep top-k comparable. */
export function poolSize(probeRows: number, poolRows: number): number {
  return Math.min(MAX_POOL, poolRows, probeRows - 1);
}

export interface CrossMatchOptions {
  readonly rng: Rng;
  /** Drops a probe's own row when it is in the pool. */
  readonly excludeSelf?: (probe: number, poolRow: number) => boolean;
}

/**
 * Top-k cosine of `probes` against `pool` (both centered unit rows), actual and in unrelated
 * coordinates. `excludeSelf(probe, poolRow)` drops a probe's own row when it is in the pool.
 */
export function crossMatch(probeRows: Rows, poolRows: Rows, options: CrossMatchOptions): CrossMatch {
  const { data: probes, count: probeCount, dim } = probeRows;
  const poolCount = poolRows.count;
  const { rng, excludeSelf } = options;
  const k = Math.max(1, Math.min(TOP_K, poolCount - 1));
  const actual = topKMeans(probeRows, poolRows, k, excludeSelf);
  const chance = new Float64Array(probeCount);
  const permuted = new Float32Array(probeCount * dim);
  for (let draw = 0; draw < NULL_DRAWS; draw++) {
    const order = shuffle(
      Array.from({ length: dim }, (_, j) => j),
      rng,
    );
    const signs = order.map(() => (rng.nextUint32() & 1 ? 1 : -1));
    for (let r = 0; r < probeCount; r++) {
      for (let j = 0; j < dim; j++) permuted[r * dim + j] = (probes[r * dim + (order[j] as number)] as number) * (signs[j] as number);
    }
    // The permuted probe is no longer "itself": nothing to exclude.
    const scores = topKMeans({ data: permuted, count: probeCount, dim }, poolRows, k);
    for (let r = 0; r < probeCount; r++) chance[r] = (chance[r] as number) + (scores[r] as number) / NULL_DRAWS;
  }
  let sum = 0;
  let chanceSum = 0;
  const excess: number[] = [];
  for (let r = 0; r < probeCount; r++) {
    sum += actual[r] as number;
    chanceSum += chance[r] as number;
    excess.push((actual[r] as number) - (chance[r] as number));
  }
  const { mean, error } = meanAndError(excess);
  return { probes: probeCount, pool: poolCount, k, cosine: sum / probeCount, chance: chanceSum / probeCount, excess: mean, excessError: error };
}

/** Random probes and an equal-size random pool drawn from the given rows of a matrix. */
export function drawRows(data: Float32Array, dim: number, rows: readonly number[], count: number, rng: Rng): { data: Float32Array; rows: number[] } {
  const picked = sampleIndices(rows.length, Math.min(count, rows.length), rng).map((i) => rows[i] as number);
  return { data: selectRows(data, dim, picked), rows: picked };
}

/** Probes for a pool: 60 against a full pool, more against a small one (same cost), so a small part's error stays small. */
export function probeCount(rows: number, pool = MAX_POOL): number {
  return Math.min(rows, Math.max(MAX_PROBES, Math.floor((MAX_PROBES * MAX_POOL) / Math.max(1, pool))));
}

function topKMeans(probeRows: Rows, poolRows: Rows, k: number, exclude?: (probe: number, poolRow: number) => boolean): Float64Array {
  const { data: probes, count: probeCount, dim } = probeRows;
  const { data: pool, count: poolCount } = poolRows;
  const scores = new Float32Array(probeCount * poolCount);
  kernels().dot({ data: probes, count: probeCount, dim }, { data: pool, count: poolCount, dim }, scores);
  const out = new Float64Array(probeCount);
  const best = new Float64Array(k);
  for (let r = 0; r < probeCount; r++) {
    best.fill(-Infinity);
    for (let j = 0; j < poolCount; j++) {
      if (exclude?.(r, j)) continue;
      const s = scores[r * poolCount + j] as number;
      if (s <= (best[k - 1] as number)) continue;
      let p = k - 1;
      while (p > 0 && (best[p - 1] as number) < s) {
        best[p] = best[p - 1] as number;
        p--;
      }
      best[p] = s;
    }
    let total = 0;
    let n = 0;
    for (const value of best) if (value > -Infinity) (total += value), n++;
    out[r] = n ? total / n : 0;
  }
  return out;
}

export function meanAndError(values: readonly number[]): { mean: number; error: number } {
  const n = values.length;
  if (!n) return { mean: NaN, error: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, error: Math.sqrt(variance / n) };
}
