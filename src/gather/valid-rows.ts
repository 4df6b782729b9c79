import { rowNorms } from '../math/vectors.js';
import type { Rows } from '../core/rows.js';
import type { VectorSample } from './artifacts.js';

/** Sampled rows that are finite and not all-zero: the population every geometric measure uses. */
export interface ValidRows extends Rows {
  /** Source row number of each row. */
  readonly rows: readonly number[];
  readonly norms: Float32Array;
}

/** The rows of a sample that are finite and not all-zero (all of them: the sample itself, uncopied). */
export function validRowsOf(sample: VectorSample): ValidRows {
  const { dim, count, data } = sample;
  const norms = rowNorms(data, count, dim);
  const keep: number[] = [];
  for (let i = 0; i < count; i++) {
    const norm = norms[i] as number;
    if (norm > 0 && Number.isFinite(norm)) keep.push(i);
  }
  if (keep.length === count) return { dim, count, rows: sample.rows, data, norms };
  const out = new Float32Array(keep.length * dim);
  const outNorms = new Float32Array(keep.length);
  keep.forEach((index, i) => {
    out.set(data.subarray(index * dim, (index + 1) * dim), i * dim);
    outNorms[i] = norms[index] as number;
  });
  return { dim, count: keep.length, rows: keep.map((index) => sample.rows[index] as number), data: out, norms: outNorms };
}
