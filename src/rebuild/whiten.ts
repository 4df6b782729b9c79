import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/**
 * Ridge added to the covariance diagonal, as a share of the mean variance: directions with almost
 * no variance would otherwise be blown up to unit variance and dominate every similarity.
 */
export const WHITENING_SHRINKAGE = 0.01;
/** The covariance of d dims is stable from a few thousand rows; 20k bounds its cost at d²·20k. */
const WHITENING_ROWS = 20_000;

/** y = W (x − mean), W lower-triangular with W Σ Wᵀ = I. */
export interface Whitening {
  readonly dim: number;
  readonly mean: Float64Array;
  /** dim × dim, row-major (lower triangle used). */
  readonly matrix: Float64Array;
  readonly shrinkage: number;
}

/**
 * Fit a whitening transform by Cholesky (W = L⁻¹ for Σ = L Lᵀ) rather than by eigenvectors: every
 * whitening matrix is W_pca up to a rotation, and rotations leave dot products, hence rankings,
 * unchanged; Cholesky is exact, O(d³/3) and needs no iterative eigensolver.
 */
export function fitWhitening(data: Float32Array, count: number, dim: number): Whitening {
  const stride = Math.max(1, Math.floor(count / WHITENING_ROWS));
  const rows = Math.ceil(count / stride);
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[r * stride * dim + j] as number);
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / rows;
  const covariance = new Float64Array(dim * dim);
  const centered = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const base = r * stride * dim;
    for (let j = 0; j < dim; j++) centered[j] = (data[base + j] as number) - (mean[j] as number);
    for (let i = 0; i < dim; i++) {
      const ci = centered[i] as number;
      for (let j = 0; j <= i; j++) covariance[i * dim + j] = (covariance[i * dim + j] as number) + ci * (centered[j] as number);
    }
  }
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += covariance[i * dim + i] as number;
  const ridge = (WHITENING_SHRINKAGE * trace) / dim;
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) covariance[i * dim + j] = (covariance[i * dim + j] as number) / Math.max(1, rows - 1);
    covariance[i * dim + i] = (covariance[i * dim + i] as number) + ridge / Math.max(1, rows - 1);
  }
  return { dim, mean, matrix: invertLower(cholesky(covariance, dim), dim), shrinkage: WHITENING_SHRINKAGE };
}

/** Apply in place: each row becomes W (x − mean). */
export function applyWhitening(whitening: Whitening, data: Float32Array, count: number): void {
  const { dim, mean, matrix } = whitening;
  const centered = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    const base = r * dim;
    for (let j = 0; j < dim; j++) centered[j] = (data[base + j] as number) - (mean[j] as number);
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let j = 0; j <= i; j++) sum += (matrix[i * dim + j] as number) * (centered[j] as number);
      data[base + i] = sum;
    }
  }
}

/** float32 file layout: dim means, then the dim × dim matrix, row-major. */
export function encodeWhitening(whitening: Whitening): Float32Array {
  const out = new Float32Array(whitening.dim + whitening.dim * whitening.dim);
  out.set(whitening.mean);
  out.set(whitening.matrix, whitening.dim);
  return out;
}

export function readWhitening(path: string, dim: number, shrinkage: number): Whitening {
  const bytes = readFileSync(path);
  const expected = (dim + dim * dim) * 4;
  if (bytes.byteLength !== expected) {
    throw new InputError(`whitening transform is ${bytes.byteLength} bytes, expected ${expected} for ${dim} dimensions`, { where: path, hint: 're-run `vectorclinic rebuild --whiten --apply`' });
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { dim, mean: Float64Array.from(floats.subarray(0, dim)), matrix: Float64Array.from(floats.subarray(dim)), shrinkage };
}

function cholesky(matrix: Float64Array, dim: number): Float64Array {
  const lower = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * dim + j] as number;
      for (let k = 0; k < j; k++) sum -= (lower[i * dim + k] as number) * (lower[j * dim + k] as number);
      if (i === j) {
        // The ridge keeps the matrix positive definite; a non-positive pivot means non-finite input.
        if (!(sum > 0)) throw new InputError('covariance is not positive definite: cannot whiten these vectors', { where: '--whiten', hint: 'run without --whiten' });
        lower[i * dim + i] = Math.sqrt(sum);
      } else {
        lower[i * dim + j] = sum / (lower[j * dim + j] as number);
      }
    }
  }
  return lower;
}

/** Inverse of a lower-triangular matrix by forward substitution, column by column. */
function invertLower(lower: Float64Array, dim: number): Float64Array {
  const inverse = new Float64Array(dim * dim);
  for (let column = 0; column < dim; column++) {
    for (let i = column; i < dim; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= (lower[i * dim + k] as number) * (inverse[k * dim + column] as number);
      inverse[i * dim + column] = sum / (lower[i * dim + i] as number);
    }
  }
  return inverse;
}
