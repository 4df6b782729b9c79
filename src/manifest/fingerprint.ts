import type { ModelFingerprint } from '../core/policy.js';
import { round } from '../core/format.js';
import { kernels } from '../math/kernels.js';
import { principalShares, rowsWithinBudget } from '../math/principal-component.js';
import { Rng, shuffle } from '../math/rng.js';
import { normalizedCopy, rowNorms } from '../math/vectors.js';
import { quantile } from '../math/quantile.js';

/**
 * A compact fingerprint of an embedding model's geometry, recorded in the store manifest and
 * compared on every check. Its size does not grow with the model's dimension (about 80 numbers,
 * ~1.5 KB of JSON, for 384-d and 3072-d models alike), so it fits a pgvector column comment.
 *
 * The mean direction of a model's unit vectors is a property of the model (its anisotropy), not
 * of the documents: another model lives in an unrelated coordinate system. It is kept as a
 * seeded Gaussian random projection to FINGERPRINT_DIMS dimensions (Johnson–Lindenstrauss: a
 * cosine of c survives with a spread of about (1 − c²)/√64), and each row is compared with it in
 * the same projected space, so no d-dimensional vector is stored.
 */
export const FINGERPRINT_DIMS = 64;
/** Top centered spectrum shares recorded (evidence: another model has another spectrum). */
const SPECTRUM_COMPONENTS = 8;
const FINGERPRINT_SEED = 0x6d6f64;
/** Spectrum from this many rows at most (fewer for wide models: the check's own PCA budget). */
const SPECTRUM_ROWS = 5000;

/** Gaussian m × dim projection, regenerated from the seed (never stored). */
export function projectionMatrix(dim: number, seed: number, dims = FINGERPRINT_DIMS): Float32Array {
  const rng = new Rng(seed);
  const matrix = new Float32Array(dims * dim);
  for (let i = 0; i < matrix.length; i++) matrix[i] = rng.nextGaussian();
  return matrix;
}

/**
 * Each row projected and scaled to unit length. Projection is linear, so the rows need not be
 * normalized first (no d-dimensional copy of the rows).
 */
export function projectUnitRows(data: Float32Array, count: number, dim: number, projection: Float32Array, dims: number): Float32Array {
  const out = new Float32Array(count * dims);
  kernels().dot({ data: data.subarray(0, count * dim), count, dim }, { data: projection, count: dims, dim }, out);
  return normalizedCopy(out, count, dims);
}

/** Cosine of each projected unit row to a unit direction (NaN for zero rows). */
export function alignmentToDirection(projected: Float32Array, count: number, dims: number, direction: ArrayLike<number>): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      const value = projected[i * dims + j] as number;
      dot += value * (direction[j] as number);
      norm += value * value;
    }
    out[i] = norm > 0 ? dot : NaN;
  }
  return out;
}

/**
 * Measure the fingerprint on the stored rows. The alignment quantiles are held-out: each half of
 * the rows against the direction fitted on the other half, so they include the noise of fitting
 * the direction itself — the null a check of fewer, other rows of the same model is judged against.
 */
export function measureFingerprint(data: Float32Array, count: number, dim: number, seed = FINGERPRINT_SEED): ModelFingerprint {
  const dims = FINGERPRINT_DIMS;
  const projected = projectUnitRows(data, count, dim, projectionMatrix(dim, seed, dims), dims);
  const order = shuffle(
    Array.from({ length: count }, (_, i) => i),
    new Rng(seed ^ 0x4a1f),
  );
  const halves = [order.slice(0, count >> 1), order.slice(count >> 1)];
  const heldOut: number[] = [];
  for (const [fit, test] of [
    [halves[0], halves[1]],
    [halves[1], halves[0]],
  ] as const) {
    const direction = meanDirectionOf(projected, fit as number[], dims);
    const alignment = alignmentToDirection(projected, count, dims, direction);
    for (const row of test as number[]) if (Number.isFinite(alignment[row])) heldOut.push(alignment[row] as number);
  }
  heldOut.sort((a, b) => a - b);
  const all = Array.from({ length: count }, (_, i) => i);
  const unitMean = meanOfUnitRows(data, count, dim);
  const spectrumRows = rowsWithinBudget(Math.min(count, SPECTRUM_ROWS), dim);
  const stride = count / spectrumRows;
  const picked = normalizedCopy(
    pickRows(
      data,
      dim,
      Array.from({ length: spectrumRows }, (_, i) => Math.floor(i * stride)),
    ),
    spectrumRows,
    dim,
  );
  const norms = Float64Array.from(rowNorms(data, count, dim)).sort();
  return {
    version: 1,
    seed,
    dims,
    rows: count,
    direction: Array.from(meanDirectionOf(projected, all, dims), (value) => round(value, 6)),
    alignment: {
      p01: round(quantile(heldOut, 0.01), 4),
      p05: round(quantile(heldOut, 0.05), 4),
      p50: round(quantile(heldOut, 0.5), 4),
    },
    meanCosine: round(unitMean, 4),
    spectrum: principalShares(picked, spectrumRows, dim, SPECTRUM_COMPONENTS).centered.map((share) => round(share, 4)),
    norms: { p05: round(quantile(norms, 0.05), 4), p50: round(quantile(norms, 0.5), 4), p95: round(quantile(norms, 0.95), 4) },
  };
}

function meanDirectionOf(projected: Float32Array, rows: readonly number[], dims: number): Float64Array {
  const mean = new Float64Array(dims);
  for (const row of rows) for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (projected[row * dims + j] as number);
  let length = 0;
  for (let j = 0; j < dims; j++) length += (mean[j] as number) ** 2;
  length = Math.sqrt(length);
  if (length > 0) for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) / length;
  return mean;
}

/** ‖mean of the unit rows‖²: the mean pairwise cosine of the rows (up to the 1/n self-pair term). */
function meanOfUnitRows(data: Float32Array, count: number, dim: number): number {
  const norms = rowNorms(data, count, dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const norm = norms[i] as number;
    if (!(norm > 0) || !Number.isFinite(norm)) continue;
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[i * dim + j] as number) / norm / count;
  }
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (mean[j] as number) ** 2;
  return sum;
}

function pickRows(data: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
  return out;
}
