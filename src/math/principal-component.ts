import { kernels } from './kernels.js';
import { transposed } from './vectors.js';

/**
 * Variance shares of the top principal components, from one symmetric matrix built with the dot
 * kernel — the d×d scatter XᵀX, or the n×n Gram matrix XXᵀ when there are fewer rows than
 * dimensions (both have the same non-zero eigenvalues) — and block subspace iteration on it, also
 * through the dot kernel. A d×d eigen-solver from a library would be a dependency for ten numbers.
 */
export interface PrincipalShares {
  /** Shares of the top components of the centered data, largest first. */
  readonly centered: readonly number[];
  /** Shares of the top components of the raw (uncentered) data: large when all rows share a direction. */
  readonly uncentered: readonly number[];
}

/** Iteration stops when none of the wanted eigenvalues moves more than this (relative): shares to 4 digits. */
const TOLERANCE = 1e-5;
const MAX_ITERATIONS = 60;
/**
 * Extra basis vectors beyond those reported: the k-th value then converges at the rate of
 * λ(k+extra)/λ(k), not λ(k+1)/λ(k), which matters for flat spectra.
 */
const OVERSAMPLING = 6;

export function principalShares(data: Float32Array, count: number, dim: number, components: number): PrincipalShares {
  if (count < 2 || dim === 0) return { centered: [], uncentered: [] };
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[i * dim + j] as number) / count;
  const uncentered = symmetricProduct(data, count, dim);
  const centered = centeredProduct(uncentered, data, count, dim, mean);
  return {
    centered: topShares(centered.matrix, centered.size, components),
    uncentered: topShares(uncentered.matrix, uncentered.size, components),
  };
}

interface SymmetricMatrix {
  readonly matrix: Float32Array;
  readonly size: number;
  /** True for the n×n Gram form, false for the d×d scatter form. */
  readonly gram: boolean;
}

/** XXᵀ (n < d) or XᵀX (n ≥ d): whichever is smaller. */
function symmetricProduct(data: Float32Array, count: number, dim: number): SymmetricMatrix {
  const gram = count < dim;
  const size = gram ? count : dim;
  const matrix = new Float32Array(size * size);
  if (gram) kernels().dot({ data: data.subarray(0, count * dim), count, dim }, { data: data.subarray(0, count * dim), count, dim }, matrix);
  else {
    const columns = transposed(data, count, dim);
    kernels().dot({ data: columns, count: dim, dim: count }, { data: columns, count: dim, dim: count }, matrix);
  }
  return { matrix, size, gram };
}

/**
 * The centered matrix from the uncentered one by a rank-one correction, not a second product:
 * scatter S − n·μμᵀ, or Gram Gᵢⱼ − xᵢ·μ − xⱼ·μ + μ·μ.
 */
function centeredProduct(raw: SymmetricMatrix, data: Float32Array, count: number, dim: number, mean: Float64Array): SymmetricMatrix {
  const { size } = raw;
  const matrix = new Float32Array(raw.matrix);
  if (!raw.gram) {
    for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) matrix[a * size + b] = (matrix[a * size + b] as number) - count * (mean[a] as number) * (mean[b] as number);
    return { matrix, size, gram: false };
  }
  const projections = new Float64Array(count);
  let meanSquared = 0;
  for (let j = 0; j < dim; j++) meanSquared += (mean[j] as number) ** 2;
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (data[i * dim + j] as number) * (mean[j] as number);
    projections[i] = sum;
  }
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) {
      matrix[a * size + b] = (matrix[a * size + b] as number) - (projections[a] as number) - (projections[b] as number) + meanSquared;
    }
  }
  return { matrix, size, gram: true };
}

/** Top-k eigenvalues of a symmetric PSD matrix divided by its trace, by block subspace iteration. */
function topShares(matrix: Float32Array, size: number, components: number): number[] {
  let trace = 0;
  for (let i = 0; i < size; i++) trace += matrix[i * size + i] as number;
  const wanted = Math.min(components, size);
  const k = Math.min(size, wanted + OVERSAMPLING);
  if (!(trace > 0) || wanted === 0) return [];
  // Deterministic start, spread over all coordinates so no component starts orthogonal to it.
  let basis = new Float32Array(k * size);
  for (let c = 0; c < k; c++) for (let j = 0; j < size; j++) basis[c * size + j] = Math.sin(1 + (c + 1) * 12.9898 * (j + 1)) + (j === c ? 1 : 0);
  orthonormalizeRows(basis, k, size);
  const product = new Float32Array(k * size);
  let values = new Float64Array(k);
  for (let step = 0; step < MAX_ITERATIONS; step++) {
    // Row c of the product is M·v_c (M is symmetric, so v_c · M_i = (M v_c)_i).
    kernels().dot({ data: basis, count: k, dim: size }, { data: matrix, count: size, dim: size }, product);
    const next = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let rayleigh = 0;
      for (let j = 0; j < size; j++) rayleigh += (basis[c * size + j] as number) * (product[c * size + j] as number);
      next[c] = rayleigh;
    }
    const settled = sortedDescending(next)
      .slice(0, wanted)
      .every((value, c) => Math.abs(value - (sortedDescending(values)[c] as number)) <= TOLERANCE * Math.max(value, 1e-30));
    values = next;
    basis = Float32Array.from(product);
    orthonormalizeRows(basis, k, size);
    if (settled) break;
  }
  return sortedDescending(values)
    .slice(0, wanted)
    .map((value) => Math.max(0, value) / trace);
}

function sortedDescending(values: Float64Array): number[] {
  return [...values].sort((a, b) => b - a);
}

/** Modified Gram–Schmidt on the rows, in float64 for stability; a dependent row becomes zero. */
function orthonormalizeRows(rows: Float32Array, count: number, size: number): void {
  const work = Float64Array.from(rows);
  for (let c = 0; c < count; c++) {
    const row = work.subarray(c * size, (c + 1) * size);
    for (let p = 0; p < c; p++) {
      const previous = work.subarray(p * size, (p + 1) * size);
      let dot = 0;
      for (let j = 0; j < size; j++) dot += (row[j] as number) * (previous[j] as number);
      for (let j = 0; j < size; j++) row[j] = (row[j] as number) - dot * (previous[j] as number);
    }
    let norm = 0;
    for (let j = 0; j < size; j++) norm += (row[j] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < size; j++) row[j] = norm > 1e-12 ? (row[j] as number) / norm : 0;
  }
  rows.set(work);
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

/**
 * Multiply-adds allowed for the principal-component matrix (min(n,d)² · max(n,d)): about 0.03 s
 * with the SIMD kernel. 128-d data keeps all 5,000 sampled rows; 768-d about 1,000 (PC1 share to ±0.01).
 */
const PCA_MAX_MULTIPLY_ADDS = 6e8;

/** The most rows whose principal-component matrix fits the multiply-add budget. */
export function rowsWithinBudget(available: number, dim: number): number {
  const cost = (n: number): number => Math.min(n, dim) ** 2 * Math.max(n, dim);
  if (cost(available) <= PCA_MAX_MULTIPLY_ADDS) return available;
  let low = 3;
  let high = available;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (cost(middle) <= PCA_MAX_MULTIPLY_ADDS) low = middle;
    else high = middle;
  }
  return low;
}
