import { Rng } from '../../math/rng.js';
import type { VectorFacts } from '../sql/row-facts.js';

/**
 * SQLite's answers to the per-row questions for any column of float32 blobs (vec0 columns, libsql
 * F32_BLOB, plain BLOB), with libsql's built-in vector functions: the same SQL runs on a local
 * file and on a libsql server (Turso), where no extension can be loaded.
 *
 * `vector_distance_l2` accumulates in float32, so a norm of 0 or NULL/∞ only nominates rows; the
 * text form (`vector_extract`) then decides exactly: a zero vector prints only 0 and -0, a NaN or
 * ±Inf prints as such. The text is built for the few nominated rows only.
 */
export function sqliteVectorFacts(column: string, dim: number, normColumn?: string): VectorFacts {
  // Every vector function errors on NULL or a blob of another length: each runs only on rows of the checked dimension.
  const guarded = (expression: string): string => `CASE WHEN ${sameDimension(column, dim)} THEN ${expression} END`;
  const norm = normColumn ?? normExpression(column, dim);
  const text = guarded(`vector_extract(${column})`);
  const directions = randomDirections(dim);
  return {
    column,
    sameDim: () => sameDimension(column, dim),
    isZero: () => `${norm} = 0 AND ${stripZeros(text)} = ''`,
    // A finite vector's float32 squares overflow only past norms of ~1.8e19: such rows are nominated, not counted.
    nonfinite: () => `(${norm} IS NULL OR ${norm} > 1e18) AND (${text} LIKE '%nan%' OR ${text} LIKE '%inf%')`,
    // Distances to two fixed random points: equal for equal vectors, and sorting two floats per row
    // is far cheaper than sorting the blobs (the rows sharing both are then compared byte for byte).
    projections: () => directions.map((direction) => guarded(`vector_distance_l2(${column}, ${blobLiteral(direction)})`)),
  };
}

/**
 * The L2 norm in float32 (NULL for NaN, ∞ on overflow), NULL for rows of another dimension. A zero
 * blob literal, not a bind parameter: the statements stay plain text any libsql client can send.
 */
export function normExpression(column: string, dim: number): string {
  return `CASE WHEN ${sameDimension(column, dim)} THEN vector_distance_l2(${column}, zeroblob(${dim * 4})) END`;
}

/** Two fixed pseudo-random points (seeded: the statement is the same on every run). */
function randomDirections(dim: number): Float32Array[] {
  const rng = new Rng(0x6a09e667);
  return [0, 1].map(() => {
    const values = new Float32Array(dim);
    for (let i = 0; i < dim; i++) values[i] = rng.nextGaussian();
    return values;
  });
}

/** A float32 vector as a SQL blob literal (X'…', little-endian). */
export function blobLiteral(values: Float32Array): string {
  return `X'${vectorBlob(values).toString('hex')}'`;
}

/** Rows holding a float32 blob of exactly `dim` values (untyped columns may hold anything). */
export function sameDimension(column: string, dim: number): string {
  return `(typeof(${column}) = 'blob' AND length(${column}) = ${dim * 4})`;
}

/** The text form with every character a zero vector may print removed: empty exactly for zero vectors. */
function stripZeros(text: string): string {
  let expression = text;
  for (const char of ['0', '-', '.', ',', '[', ']', ' ']) expression = `replace(${expression}, '${char}', '')`;
  return expression;
}

export function zeroBlob(dim: number): Buffer {
  return Buffer.alloc(dim * 4);
}

/** A float32 vector as the blob SQLite stores (little-endian, as every platform we run on). */
export function vectorBlob(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A stored blob as floats; undefined when it is not whole float32 values. */
export function blobVector(value: unknown): Float32Array | undefined {
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : undefined;
  if (!bytes || bytes.byteLength % 4 !== 0) return undefined;
  // Copy: the driver's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer);
}
