/** Small row-matrix helpers over row-major Float32Array (count × dim). */

export function rowNorms(data: Float32Array, count: number, dim: number): Float32Array {
  const norms = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    const base = i * dim;
    for (let j = 0; j < dim; j++) sum += (data[base + j] as number) ** 2;
    norms[i] = Math.sqrt(sum);
  }
  return norms;
}

/** Squared L2 norm of one row, accumulated in float64 (no float32 overflow or underflow). */
export function squaredNorm(data: Float32Array, offset: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[offset + j] as number) ** 2;
  return sum;
}

/** L2-normalize every row in place (zero rows stay zero). */
export function normalizeInPlace(data: Float32Array, count: number, dim: number): void {
  for (let i = 0; i < count; i++) {
    const norm2 = squaredNorm(data, i * dim, dim);
    if (!(norm2 > 0)) continue;
    const scale = 1 / Math.sqrt(norm2);
    for (let j = 0; j < dim; j++) data[i * dim + j] = (data[i * dim + j] as number) * scale;
  }
}

/** A unit-length copy of every row (zero rows stay zero). */
export function normalizedCopy(data: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  const norms = rowNorms(data, count, dim);
  for (let i = 0; i < count; i++) {
    const norm = norms[i] as number;
    const scale = norm > 0 ? 1 / norm : 0;
    const base = i * dim;
    for (let j = 0; j < dim; j++) out[base + j] = (data[base + j] as number) * scale;
  }
  return out;
}

/** Copy the rows at `indices` into a new matrix. */
export function selectRows(data: Float32Array, dim: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    out.set(data.subarray(row * dim, (row + 1) * dim), i * dim);
  }
  return out;
}

export function columnMean(data: Float32Array, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const base = i * dim;
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[base + j] as number);
  }
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / Math.max(1, count);
  return mean;
}

/** The `count` × `dim` rows as `dim` rows of `count` (their columns), row-major. */
export function transposed(data: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) out[j * count + i] = data[i * dim + j] as number;
  return out;
}

/** A copy of `array` in a longer one of the same type (the rest zero): growing a typed-array buffer. */
export function grown<T extends Float64Array | Int32Array | Uint32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
