import { normalizedCopy } from '../../src/math/vectors.js';
import { concat, DIM, loadRows } from './shared-data.js';

export interface CorruptStore {
  /** rows × DIM float32: the corrupted store. */
  readonly data: Float32Array;
  readonly rows: number;
  /** Source row (in docs.f32.npy order) each store row stands for, -1 for injected junk. */
  readonly docRows: Int32Array;
  readonly zeroRows: number;
  readonly nanRows: number;
  readonly staleRows: number;
}

/**
 * The failure mix of the issue on model-A documents: some rows normalized, others raw; zero rows;
 * NaN rows; and a block of "stale codebook" rows embedded by model B, replacing the model-A vectors
 * of the same documents. Rebuilding from it must drop the junk and normalize the rest.
 */
export async function corruptStore(rows: number, options: { zeroRows: number; nanRows: number; staleRows: number }): Promise<CorruptStore> {
  const modelA = await loadRows('docs.f32.npy', rows);
  const modelB = await loadRows('docs_model_b.f32.npy', rows);
  const data = concat(modelA);
  // Mixed norms: the first 40% normalized at ingestion, the rest raw.
  const normalizedRows = Math.floor(rows * 0.4);
  data.set(normalizedCopy(modelA.subarray(0, normalizedRows * DIM), normalizedRows, DIM));
  const staleStart = rows - options.staleRows;
  data.set(normalizedCopy(modelB.subarray(staleStart * DIM), options.staleRows, DIM), staleStart * DIM);
  const docRows = Int32Array.from({ length: rows }, (_, i) => i);
  // Junk rows replace documents spread over the file (every 37th row from row 5).
  let junk = 5;
  for (let i = 0; i < options.zeroRows; i++, junk += 37) data.fill(0, junk * DIM, (junk + 1) * DIM);
  for (let i = 0; i < options.nanRows; i++, junk += 37) data[junk * DIM + (i % DIM)] = Number.NaN;
  return { data, rows, docRows, zeroRows: options.zeroRows, nanRows: options.nanRows, staleRows: options.staleRows };
}
