import type { ReferenceDistribution } from '../core/policy.js';
import { round } from '../core/format.js';
import { kernels } from '../math/kernels.js';
import { quantile } from '../math/quantile.js';
import { rowNorms, squaredNorm } from '../math/vectors.js';
import { measureFingerprint } from './fingerprint.js';

/** Quantiles of row alignment are stable to about ±0.005 from this many rows; more adds nothing. */
const REFERENCE_ROWS = 20_000;
/** Held-out 1st percentiles need a few hundred rows per half. */
const MIN_FINGERPRINT_ROWS = 400;

/** Each row's cosine to a unit direction (zero rows give NaN), through the dot kernel. */
export function alignmentTo(direction: ArrayLike<number>, data: Float32Array, count: number, dim: number): Float64Array {
  const dots = new Float32Array(count);
  kernels().dot({ data: Float32Array.from(direction), count: 1, dim }, { data, count, dim }, dots);
  const norms = rowNorms(data, count, dim);
  return Float64Array.from(dots, (dot, i) => ((norms[i] as number) > 0 ? dot / (norms[i] as number) : NaN));
}

/** Unit mean of the L2-normalized rows (zero when they cancel out). */
export function meanDirection(data: Float32Array, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const base = i * dim;
    const norm2 = squaredNorm(data, base, dim);
    if (!(norm2 > 0) || !Number.isFinite(norm2)) continue;
    const scale = 1 / Math.sqrt(norm2);
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[base + j] as number) * scale;
  }
  let length = 0;
  for (let j = 0; j < dim; j++) length += (mean[j] as number) ** 2;
  length = Math.sqrt(length);
  if (length > 0) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / length;
  return mean;
}

/**
 * Measure how the stored rows sit around their common direction, on evenly spaced rows (the
 * stored order carries no meaning a stride could alias with).
 */
export function measureReference(data: Float32Array, count: number, dim: number): ReferenceDistribution {
  const stride = Math.max(1, Math.floor(count / REFERENCE_ROWS));
  const picked = Math.ceil(count / stride);
  const rows = new Float32Array(picked * dim);
  for (let i = 0; i < picked; i++) rows.set(data.subarray(i * stride * dim, (i * stride + 1) * dim), i * dim);
  const direction = meanDirection(rows, picked, dim);
  const alignment = Float64Array.from(alignmentTo(direction, rows, picked, dim).filter((value) => Number.isFinite(value))).sort();
  const norms = rowNorms(rows, picked, dim).sort();
  return {
    rows: picked,
    meanDirection: Array.from(direction, (value) => round(value, 7)),
    alignment: { p01: round(quantile(alignment, 0.01)), p50: round(quantile(alignment, 0.5)) },
    medianNorm: round(quantile(norms, 0.5)),
    ...(picked >= MIN_FINGERPRINT_ROWS ? { fingerprint: measureFingerprint(rows, picked, dim) } : {}),
  };
}
