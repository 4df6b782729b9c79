import { spawnSync } from 'node:child_process';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADER_BYTES, level0HeaderBytes } from '../sources/hnswlib/header.js';
import type { Python } from './numpy-reference.js';

/**
 * Multi-GB index files for `npm run bench`, to time `check` reading a header and a 5k sample
 * (issue: "well under 2 s and bounded memory"): FAISS flat and HNSW files from the fixture writer
 * scripts/fixtures/faiss/make_large_faiss.py, and an hnswlib index in hnswlib's saveIndex layout.
 * Neither library can build gigabytes of index in bench time, so the graphs are valid, not good.
 */

export interface BenchIndex {
  readonly path: string;
  readonly kind: string;
  readonly rows: number;
  readonly bytes: number;
  /** Who wrote the bytes. */
  readonly writtenBy: string;
}

const M = 16;
const WRITE_ROWS = 8192;

/**
 * An hnswlib index of about `targetBytes`: every element on level 0 linked to its next 2·M
 * neighbours by row number, random unit-scale vectors, labels = row numbers, no upper levels.
 */
export function writeBenchHnswlib(path: string, targetBytes: number, dim: number, seed: number): BenchIndex {
  const probe = level0HeaderBytes(1, dim, M);
  const rows = Math.max(2 * M + 1, Math.floor(targetBytes / (probe.elementBytes + 4)));
  const { bytes: header, elementBytes, vectorOffset, labelOffset } = level0HeaderBytes(rows, dim, M);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    const block = Buffer.alloc(WRITE_ROWS * elementBytes);
    let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let start = 0; start < rows; start += WRITE_ROWS) {
      const count = Math.min(WRITE_ROWS, rows - start);
      for (let r = 0; r < count; r++) {
        const row = start + r;
        const base = r * elementBytes;
        block.writeUInt32LE(2 * M, base);
        for (let l = 0; l < 2 * M; l++) block.writeUInt32LE((row + 1 + l) % rows, base + 4 + 4 * l);
        for (let j = 0; j < dim; j++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          // Exponent of 2^-5 with random mantissa and sign, as the .npy bench rows.
          block.writeUInt32LE(((state & 0x80000000) | 0x3d000000 | (state & 0x7fffff)) >>> 0, base + vectorOffset + 4 * j);
        }
        block.writeBigUInt64LE(BigInt(row), base + labelOffset);
      }
      writeSync(fd, block, 0, count * elementBytes);
    }
    // No element has upper levels: every link-list size is 0.
    const sizes = Buffer.alloc(WRITE_ROWS * 4);
    for (let start = 0; start < rows; start += WRITE_ROWS) writeSync(fd, sizes, 0, Math.min(WRITE_ROWS, rows - start) * 4);
  } finally {
    closeSync(fd);
  }
  return { path, kind: `hnswlib HNSW (M ${M})`, rows, bytes: HEADER_BYTES + rows * (elementBytes + 4), writtenBy: 'this bench, in hnswlib saveIndex layout' };
}

const FAISS_WRITER = fileURLToPath(new URL('../../scripts/fixtures/faiss/make_large_faiss.py', import.meta.url));

/**
 * FAISS IndexFlatL2 and IndexHNSWFlat (M 32) files of about `targetBytes` of vectors each, in
 * `directory`, written by make_large_faiss.py in write_index's byte layout (numpy only; its
 * --verify loads a small pair with faiss.read_index); a reason when that cannot run.
 */
export function writeBenchFaiss(python: Python, directory: string, targetBytes: number, dim: number): BenchIndex[] | { readonly problem: string } {
  const rows = Math.max(1, Math.floor(targetBytes / (dim * 4)));
  const result = spawnSync(python.command, [FAISS_WRITER, directory, String(rows), String(dim)], { encoding: 'utf8' });
  if (result.status !== 0) return { problem: `${FAISS_WRITER} failed: ${result.stderr.trim().split('\n').at(-1) ?? result.error?.message}` };
  const writtenBy = 'make_large_faiss.py (write_index layout)';
  return [
    ['large_flat.faiss', 'FAISS IndexFlatL2'],
    ['large_hnsw.faiss', 'FAISS IndexHNSWFlat (M 32)'],
  ].map(([name, kind]) => {
    const path = join(directory, name as string);
    return { path, kind: kind as string, rows, bytes: statSync(path).size, writtenBy };
  });
}
