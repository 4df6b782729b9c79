import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { npyHeader } from '../io/npy-writer.js';

/** Rows of these are planted so the zero/non-finite counts of both tools can be compared. */
export const ZERO_ROW_EVERY = 100_003;
export const NAN_ROW_EVERY = 200_003;

export interface BenchFile {
  readonly path: string;
  readonly rows: number;
  readonly dim: number;
  readonly bytes: number;
  readonly zeroRows: number;
  readonly nonfiniteRows: number;
}

const WRITE_BLOCK_ROWS = 16_384;

/**
 * A float32 .npy of about `targetBytes` of random rows (uniform in [-0.05, 0.05), so every row is
 * distinct and raw), with a zero row every ZERO_ROW_EVERY rows and a NaN every NAN_ROW_EVERY rows.
 * xorshift instead of Rng.nextGaussian: gigabytes must be written in seconds, and the scan's
 * speed does not depend on the distribution.
 */
export function writeBenchNpy(path: string, targetBytes: number, dim: number, seed: number): BenchFile {
  const rows = Math.max(1, Math.floor(targetBytes / (dim * 4)));
  const preamble = npyHeader(rows, dim);
  const fd = openSync(path, 'w');
  let zeroRows = 0;
  let nonfiniteRows = 0;
  try {
    writeSync(fd, preamble);
    const block = new Float32Array(WRITE_BLOCK_ROWS * dim);
    const bits = new Uint32Array(block.buffer);
    let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let start = 0; start < rows; start += WRITE_BLOCK_ROWS) {
      const count = Math.min(WRITE_BLOCK_ROWS, rows - start);
      for (let i = 0; i < count * dim; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        // Exponent of 2^-5 with random mantissa and sign: |v| in [0.03125, 0.0625).
        bits[i] = ((state & 0x80000000) | 0x3d000000 | (state & 0x7fffff)) >>> 0;
      }
      for (let r = 0; r < count; r++) {
        const row = start + r;
        if (row % ZERO_ROW_EVERY === ZERO_ROW_EVERY - 1) {
          block.fill(0, r * dim, (r + 1) * dim);
          zeroRows++;
        } else if (row % NAN_ROW_EVERY === NAN_ROW_EVERY - 1) {
          block[r * dim + (row % dim)] = NaN;
          nonfiniteRows++;
        }
      }
      writeSync(fd, new Uint8Array(block.buffer, 0, count * dim * 4));
    }
  } finally {
    closeSync(fd);
  }
  return { path, rows, dim, bytes: rows * dim * 4, zeroRows, nonfiniteRows };
}

/** Read a file once so that timed runs read it from the page cache, as every tool here does. */
export function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(8 << 20);
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}
