import { kernels } from './kernels.js';

/**
 * Share of the total variance along the first principal component, by power iteration on XᵀX
 * without forming it (each step is two passes over X: O(n·d) memory and time, no d×d matrix).
 */
export function firstComponentShare(
  data: Float32Array,
  count: number,
  dim: number,
  options: { readonly centered: boolean; readonly iterations?: number; readonly seed?: number },
): number {
  if (count < 2 || dim === 0) return NaN;
  const mean = new Float64Array(dim);
  if (options.centered) {
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[i * dim + j] as number);
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / count;
  }
  let trace = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) trace += ((data[i * dim + j] as number) - (mean[j] as number)) ** 2;
  }
  if (trace === 0) return NaN;
  let vector = new Float64Array(dim);
  // Deterministic, non-degenerate start: not orthogonal to the top component in practice.
  for (let j = 0; j < dim; j++) vector[j] = 1 + ((j * 2654435761) % 1000) / 1000;
  normalize(vector);
  const projections = new Float64Array(count);
  let eigenvalue = 0;
  const iterations = options.iterations ?? 100;
  for (let step = 0; step < iterations; step++) {
    for (let i = 0; i < count; i++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += ((data[i * dim + j] as number) - (mean[j] as number)) * (vector[j] as number);
      projections[i] = dot;
    }
    const next = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      const p = projections[i] as number;
      for (let j = 0; j < dim; j++) next[j] = (next[j] as number) + ((data[i * dim + j] as number) - (mean[j] as number)) * p;
    }
    const value = normalize(next);
    vector = next;
    if (Math.abs(value - eigenvalue) <= 1e-7 * value) {
      eigenvalue = value;
      break;
    }
    eigenvalue = value;
  }
  return eigenvalue / trace;
}

function normalize(vector: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < vector.length; j++) sum += (vector[j] as number) ** 2;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let j = 0; j < vector.length; j++) vector[j] = (vector[j] as number) / norm;
  return norm;
}

/**
 * Mean cosine over all pairs of distinct rows, exactly and in O(n·d):
 * Σ_{i≠j} x̂ᵢ·x̂ⱼ = ‖Σ x̂ᵢ‖² − n for unit rows x̂.
 */
export function meanPairwiseCosine(unitRows: Float32Array, count: number, dim: number): number {
  if (count < 2) return NaN;
  const sum = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) sum[j] = (sum[j] as number) + (unitRows[i * dim + j] as number);
  let squared = 0;
  for (let j = 0; j < dim; j++) squared += (sum[j] as number) ** 2;
  return (squared - count) / (count * (count - 1));
}

/** Power iteration stops when the eigenvalue moves less than this (relative): 4 digits of share are plenty for a plot. */
const SCREE_TOLERANCE = 1e-7;
const SCREE_MAX_ITERATIONS = 300;

/**
 * Shares of the total variance on the top `components` principal components, largest first (a
 * scree). Works on the smaller of the d×d scatter matrix XᵀX and the n×n Gram matrix XXᵀ — they
 * share their non-zero eigenvalues — built with the dot kernel, then deflated power iteration.
 * A d×d eigen-solver from a library would need a dependency for ten numbers; this is 40 lines.
 */
export function componentShares(
  data: Float32Array,
  count: number,
  dim: number,
  options: { readonly centered: boolean; readonly components: number },
): number[] {
  if (count < 2 || dim === 0) return [];
  const rows = centeredCopy(data, count, dim, options.centered);
  const useGram = count < dim;
  const size = useGram ? count : dim;
  const scatter = new Float32Array(size * size);
  if (useGram) kernels().dot(rows, count, rows, count, dim, scatter);
  else {
    const columns = transpose(rows, count, dim);
    kernels().dot(columns, dim, columns, dim, count, scatter);
  }
  const matrix = Float64Array.from(scatter);
  let trace = 0;
  for (let i = 0; i < size; i++) trace += matrix[i * size + i] as number;
  if (!(trace > 0)) return [];
  const found: Float64Array[] = [];
  const shares: number[] = [];
  for (let c = 0; c < Math.min(options.components, size); c++) {
    const { vector, value } = dominantEigen(matrix, size, found, c);
    if (!(value > 0)) break;
    found.push(vector);
    shares.push(value / trace);
  }
  return shares;
}

/** Largest eigenpair of a symmetric PSD matrix in the space orthogonal to `found`. */
function dominantEigen(matrix: Float64Array, size: number, found: readonly Float64Array[], salt: number): { vector: Float64Array; value: number } {
  let vector = new Float64Array(size);
  for (let j = 0; j < size; j++) vector[j] = 1 + (((j + salt * 7919) * 2654435761) % 1000) / 1000;
  orthogonalize(vector, found);
  normalize(vector);
  let value = 0;
  for (let step = 0; step < SCREE_MAX_ITERATIONS; step++) {
    const next = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      let sum = 0;
      const base = i * size;
      for (let j = 0; j < size; j++) sum += (matrix[base + j] as number) * (vector[j] as number);
      next[i] = sum;
    }
    // Re-orthogonalize every step: rounding would otherwise let the found components creep back in.
    orthogonalize(next, found);
    const norm = normalize(next);
    vector = next;
    const settled = Math.abs(norm - value) <= SCREE_TOLERANCE * norm;
    value = norm;
    if (settled) break;
  }
  return { vector, value };
}

function orthogonalize(vector: Float64Array, basis: readonly Float64Array[]): void {
  for (const axis of basis) {
    let dot = 0;
    for (let j = 0; j < vector.length; j++) dot += (vector[j] as number) * (axis[j] as number);
    for (let j = 0; j < vector.length; j++) vector[j] = (vector[j] as number) - dot * (axis[j] as number);
  }
}

function centeredCopy(data: Float32Array, count: number, dim: number, centered: boolean): Float32Array {
  const out = Float32Array.from(data.subarray(0, count * dim));
  if (!centered) return out;
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (out[i * dim + j] as number);
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / count;
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = (out[i * dim + j] as number) - (mean[j] as number);
  return out;
}

function transpose(data: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) out[j * count + i] = data[i * dim + j] as number;
  return out;
}
