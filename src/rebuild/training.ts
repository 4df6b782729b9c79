import { Rng, sampleIndices } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { sha256Of } from '../io/sha256.js';
import type { IndexParams } from './params.js';

/** A seeded uniform sample of rows for IVF/PQ training (all rows when there are few). */
export function trainingSample(data: Float32Array, count: number, dim: number, rows: number, seed: number): { data: Float32Array; count: number } {
  if (rows >= count) return { data: data.subarray(0, count * dim), count };
  const picks = sampleIndices(count, rows, new Rng(seed ^ 0x7a1e));
  return { data: selectRows(data, dim, picks), count: picks.length };
}

/** The manifest's codebook fingerprint: SHA-256 of the training rows and the training parameters. */
export function codebookFingerprintOfTraining(training: { data: Float32Array; count: number }, params: IndexParams): string {
  return sha256Of(training.data, JSON.stringify(params));
}
