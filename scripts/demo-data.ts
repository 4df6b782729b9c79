// What both fix-it demos share: ../shared/data/wordnet-ft128 (20,000 WordNet documents, model A)
// and the corruption a careless ingestion pipeline leaves in it.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SmokeResult } from '../src/index.js';
import { normalizedCopy } from '../src/math/vectors.js';
import { openNpy } from '../src/sources/files/npy.js';

export const DATA = fileURLToPath(new URL('../../shared/data/wordnet-ft128/', import.meta.url));
export const DIM = 128;
export const ROWS = 20_000;
export const ZERO_ROWS = 23;
export const NAN_ROWS = 11;
/** Share of rows an earlier ingestion path normalized; the rest were stored raw. */
export const NORMALIZED_SHARE = 0.4;

export async function readAll(file: string): Promise<Float32Array> {
  const source = openNpy(join(DATA, file));
  const block = await source.readRows(Array.from({ length: ROWS }, (_, i) => i));
  await source.close();
  return block.data;
}

/**
 * Model-A rows as a careless pipeline stores them: the first 40% normalized, the rest raw, 23 rows
 * all zero, and 11 rows with a NaN (all zero instead where the store refuses NaN, as pgvector does).
 */
export function corrupt(modelA: Float32Array, nan: 'nan' | 'zero'): Float32Array {
  const rows = Float32Array.from(modelA);
  const normalized = Math.floor(ROWS * NORMALIZED_SHARE);
  rows.set(normalizedCopy(modelA.subarray(0, normalized * DIM), normalized, DIM));
  for (let i = 0; i < ZERO_ROWS; i++) rows.fill(0, (101 + i * 797) * DIM, (102 + i * 797) * DIM);
  for (let i = 0; i < NAN_ROWS; i++) {
    const row = 353 + i * 1511;
    if (nan === 'nan') rows[row * DIM + i] = Number.NaN;
    else rows.fill(0, row * DIM, (row + 1) * DIM);
  }
  return rows;
}

/** One smoke result on one line, the label padded to `width`. */
export function smokeLine(label: string, result: SmokeResult, width: number): string {
  const r = result.recall;
  return `${label.padEnd(width)} recall@1 ${r.at1.toFixed(4)}  @5 ${r.at5.toFixed(4)}  @10 ${r.at10.toFixed(4)}  MRR ${result.mrr.toFixed(4)}  distinct ${(result.distinctTopK * 100).toFixed(1)}%`;
}
