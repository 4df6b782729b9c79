import { spawnSync } from 'node:child_process';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';

/**
 * Multi-GB index files for `npm run bench`, to time `check` reading a header and a 5k sample
 * (issue: "well under 2 s and bounded memory"): a FAISS IndexFlatIP written by FAISS itself, and
 * an hnswlib index in hnswlib's saveIndex layout.
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
 * An hnswlib index of about `targetBytes` (hnswlib-node cannot build gigabytes in bench time):
 * the saveIndex layout (13-field header, level-0 block of [links | vector | label] per element,
 * then one link-list size per element), every element on level 0 linked to its next 2·M
 * neighbours by row number, random unit-scale vectors, labels = row numbers.
 */
export function writeBenchHnswlib(path: string, targetBytes: number, dim: number, seed: number): BenchIndex {
  const maxM0 = 2 * M;
  const vectorOffset = maxM0 * 4 + 4;
  const labelOffset = vectorOffset + dim * 4;
  const elementBytes = labelOffset + 8;
  const rows = Math.max(maxM0 + 1, Math.floor(targetBytes / (elementBytes + 4)));
  const header = Buffer.alloc(96);
  [0, rows, rows, elementBytes, labelOffset, vectorOffset].forEach((value, i) => header.writeBigUInt64LE(BigInt(value), 8 * i));
  header.writeInt32LE(0, 48); // maxlevel
  header.writeUInt32LE(0, 52); // entry point
  header.writeBigUInt64LE(BigInt(M), 56); // maxM
  header.writeBigUInt64LE(BigInt(maxM0), 64); // maxM0
  header.writeBigUInt64LE(BigInt(M), 72); // M
  header.writeDoubleLE(1 / Math.log(M), 80); // mult
  header.writeBigUInt64LE(200n, 88); // ef_construction
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
        block.writeUInt32LE(maxM0, base);
        for (let l = 0; l < maxM0; l++) block.writeUInt32LE((row + 1 + l) % rows, base + 4 + 4 * l);
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
  return { path, kind: 'hnswlib HNSW (M 16)', rows, bytes: 96 + rows * (elementBytes + 4), writtenBy: 'this bench, in hnswlib saveIndex layout' };
}

const FAISS_SCRIPT = `
import sys, numpy as np, faiss
x = np.load(sys.argv[1], mmap_mode='r')
index = faiss.IndexFlatIP(x.shape[1])
for start in range(0, x.shape[0], 65536):
    index.add(np.ascontiguousarray(x[start:start + 65536]))
faiss.write_index(index, sys.argv[2])
print(index.ntotal)
`;

/** An IndexFlatIP over the rows of a float32 .npy, written by FAISS (Debian's python3-faiss); a reason when FAISS is missing. */
export function writeBenchFaissFlat(npyPath: string, path: string): BenchIndex | { readonly problem: string } {
  const result = spawnSync('/usr/bin/python3', ['-c', FAISS_SCRIPT, npyPath, path], { encoding: 'utf8' });
  if (result.status !== 0) return { problem: `FAISS not available (/usr/bin/python3: ${result.stderr.trim().split('\n').at(-1) ?? result.error?.message}); apt-get install -y python3-faiss` };
  const rows = Number(result.stdout.trim());
  return { path, kind: 'FAISS IndexFlatIP', rows, bytes: statSync(path).size, writtenBy: 'faiss.write_index' };
}
