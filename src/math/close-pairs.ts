import { kernels } from './kernels.js';
import { grown } from './vectors.js';

/**
 * Every pair of unit rows whose cosine is at least `minCosine`, exactly, without scoring every pair
 * in every dimension. For unit rows, cos(u, v) ≥ c means |u − v|² ≤ 2(1 − c), and the squared
 * distance over any subset of coordinates is at most the full one: so pairs are first compared in
 * the PREFILTER_DIMS coordinates that vary most (a kernel pass at 1/8 of the cost at 128-d, 1/48 at
 * 768-d), and only pairs close there get their full cosine. A prefilter drops only pairs that cannot
 * pass; a dataset whose rows are all near each other just sends more pairs to the full cosine.
 */

/** Coordinates kept by the prefilter; below twice this the full dimension is cheap enough. */
const PREFILTER_DIMS = 16;
/**
 * Added to the prefilter's distance bound: it absorbs float32 rounding in unit lengths (~1e-7) and
 * in the kernel's sums, so no pair that passes the full cosine is dropped by the prefilter.
 */
const ROUNDING_MARGIN = 1e-4;
const BLOCK_ROWS = 128;
/** A block is scored in full when more than 1 in DENSE_SHARE of its pairs are candidates. */
const DENSE_SHARE = 8;

/**
 * Calls `visit(a, b)` for every a < b whose cosine is ≥ `minCosine`: summed in float64 for pairs the
 * prefilter lets through, or the kernel's float32 score where it scores a block in full.
 */
export function forEachClosePair(unit: Float32Array, count: number, dim: number, minCosine: number, visit: (a: number, b: number) => void): void {
  if (count < 2) return;
  const columns = dim >= 2 * PREFILTER_DIMS ? widestColumns(unit, count, dim, PREFILTER_DIMS) : undefined;
  const width = columns ? columns.length : dim;
  const reduced = columns ? gatherColumns(unit, count, dim, columns) : unit;
  // Per row, (full − reduced) squared length: the prefilter's bound then holds for any lengths
  // (rows rounded off unit length included), as |u − v|² = |u|² + |v|² − 2 u·v ≥ its reduced part.
  const spare = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let reducedSum = 0;
    for (let j = 0; j < width; j++) reducedSum += (reduced[i * width + j] as number) ** 2;
    let fullSum = 0;
    for (let j = 0; j < dim; j++) fullSum += (unit[i * dim + j] as number) ** 2;
    spare[i] = fullSum - reducedSum;
  }
  const maxDistance2 = ROUNDING_MARGIN - 2 * minCosine;
  const scores = new Float32Array(BLOCK_ROWS * count);
  let candidates: Int32Array = new Int32Array(1024);
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, count - start);
    // Upper triangle only: the block against itself and every later row.
    const rest = count - start;
    const blockRows = { data: unit.subarray(start * dim, (start + rows) * dim), count: rows, dim };
    const laterRows = { data: unit.subarray(start * dim), count: rest, dim };
    if (!columns) {
      kernels().dot(blockRows, laterRows, scores);
      for (let r = 0; r < rows; r++) for (let j = r + 1; j < rest; j++) if ((scores[r * rest + j] as number) >= minCosine) visit(start + r, start + j);
      continue;
    }
    kernels().dot({ data: reduced.subarray(start * width, (start + rows) * width), count: rows, dim: width }, { data: reduced.subarray(start * width), count: rest, dim: width }, scores);
    // Candidates as (r, j) pairs, in the order a full pass would meet them.
    let found = 0;
    for (let r = 0; r < rows; r++) {
      // Candidate when |P(a − b)|² ≤ |a|² + |b|² − 2·minCosine (+ margin), i.e. when
      // −2 Pa·Pb − spare(b) ≤ spare(a) − 2·minCosine (+ margin).
      const limit = maxDistance2 + (spare[start + r] as number);
      for (let j = r + 1; j < rest; j++) {
        if (-2 * (scores[r * rest + j] as number) - (spare[start + j] as number) > limit) continue;
        if (2 * found + 2 > candidates.length) candidates = grown(candidates, candidates.length * 2);
        candidates[2 * found] = r;
        candidates[2 * found + 1] = j;
        found++;
      }
    }
    if (found === 0) continue;
    // Rows that are all alike (a collapsed store) leave most pairs as candidates: the kernel then
    // scores the whole block faster than one cosine per pair would.
    const dense = found * DENSE_SHARE > (rows * rest) / 2;
    if (dense) kernels().dot(blockRows, laterRows, scores);
    for (let c = 0; c < found; c++) {
      const r = candidates[2 * c] as number;
      const j = candidates[2 * c + 1] as number;
      const score = dense ? (scores[r * rest + j] as number) : cosine(unit, dim, start + r, start + j);
      if (score >= minCosine) visit(start + r, start + j);
    }
  }
}

/** Unit rows a and b: their dot product, summed in float64. */
function cosine(unit: Float32Array, dim: number, a: number, b: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (unit[a * dim + j] as number) * (unit[b * dim + j] as number);
  return sum;
}

/** The `keep` coordinates with the largest variance over the rows: where rows differ most. */
function widestColumns(rows: Float32Array, count: number, dim: number, keep: number): number[] {
  const sum = new Float64Array(dim);
  const sumSquares = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) {
      const value = rows[i * dim + j] as number;
      sum[j] = (sum[j] as number) + value;
      sumSquares[j] = (sumSquares[j] as number) + value * value;
    }
  }
  const variance = Array.from({ length: dim }, (_, j) => (sumSquares[j] as number) / count - ((sum[j] as number) / count) ** 2);
  return Array.from({ length: dim }, (_, j) => j)
    .sort((x, y) => (variance[y] as number) - (variance[x] as number) || x - y)
    .slice(0, keep);
}

function gatherColumns(rows: Float32Array, count: number, dim: number, columns: readonly number[]): Float32Array {
  const width = columns.length;
  const out = new Float32Array(count * width);
  for (let i = 0; i < count; i++) for (let k = 0; k < width; k++) out[i * width + k] = rows[i * dim + (columns[k] as number)] as number;
  return out;
}
