import { InputError } from '../errors.js';
import type { GuardBatch, GuardMatrix } from './types.js';

/** A batch laid out as one row-major Float32Array, plus the rows that could not be laid out. */
export interface PackedBatch {
  /** Rows in the batch as handed in. */
  readonly rows: number;
  /** Rows with exactly `dim` values, packed: `packed` × dim floats. */
  readonly data: Float32Array;
  readonly packed: number;
  /** Batch index of each packed row; undefined when every row was packed in order. */
  readonly packedRows?: Int32Array;
  /** Rows whose length is not `dim`: batch index and length. */
  readonly wrongLength: readonly { readonly row: number; readonly length: number }[];
  /** Distinct row lengths seen, for the dimension contract log. */
  readonly lengths: readonly number[];
  /** The rows with a wrong length, as given, for the quarantine file. */
  readonly original: (row: number) => ArrayLike<number>;
}

function isMatrix(batch: GuardBatch): batch is GuardMatrix {
  return !(batch instanceof Float32Array) && !Array.isArray(batch) && typeof (batch as GuardMatrix).dim === 'number';
}

/**
 * Turn any accepted batch shape into packed rows. A flat Float32Array is used as is (no copy);
 * arrays of rows are copied once, which is also where float64 values round to float32 (and values
 * beyond float32's range become ±Infinity, which the guard then rejects as non-finite).
 */
export function packBatch(batch: GuardBatch, dim: number, batchId: string): PackedBatch {
  if (batch instanceof Float32Array) {
    if (batch.length % dim !== 0) {
      throw new InputError(`batch ${batchId}: ${batch.length} floats is not a whole number of ${dim}-dim rows`, {
        where: `batch ${batchId}`,
        hint: `the embedding model does not produce ${dim} values per row, or rows were concatenated wrongly; pass rows as an array or a {data, rows, dim} matrix to see which`,
      });
    }
    const rows = batch.length / dim;
    return { rows, data: batch, packed: rows, wrongLength: [], lengths: rows ? [dim] : [], original: (row) => batch.subarray(row * dim, (row + 1) * dim) };
  }
  if (isMatrix(batch)) {
    if (batch.data.length < batch.rows * batch.dim) {
      throw new InputError(`batch ${batchId}: matrix claims ${batch.rows} × ${batch.dim} but holds ${batch.data.length} floats`, { where: `batch ${batchId}` });
    }
    const data = batch.data.subarray(0, batch.rows * batch.dim);
    if (batch.dim === dim) return { rows: batch.rows, data, packed: batch.rows, wrongLength: [], lengths: batch.rows ? [dim] : [], original: (row) => data.subarray(row * dim, (row + 1) * dim) };
    const wrongLength = Array.from({ length: batch.rows }, (_, row) => ({ row, length: batch.dim }));
    return { rows: batch.rows, data: new Float32Array(0), packed: 0, wrongLength, lengths: [batch.dim], original: (row) => data.subarray(row * batch.dim, (row + 1) * batch.dim) };
  }
  const rows = batch as readonly ArrayLike<number>[];
  let packed = 0;
  for (const row of rows) if (row.length === dim) packed++;
  const data = new Float32Array(packed * dim);
  const packedRows = packed === rows.length ? undefined : new Int32Array(packed);
  const wrongLength: { row: number; length: number }[] = [];
  const lengths = new Set<number>();
  let next = 0;
  rows.forEach((row, index) => {
    lengths.add(row.length);
    if (row.length !== dim) {
      wrongLength.push({ row: index, length: row.length });
      return;
    }
    const base = next * dim;
    for (let j = 0; j < dim; j++) data[base + j] = row[j] as number;
    if (packedRows) packedRows[next] = index;
    next++;
  });
  return { rows: rows.length, data, packed, ...(packedRows ? { packedRows } : {}), wrongLength, lengths: [...lengths], original: (row) => rows[row] as ArrayLike<number> };
}
