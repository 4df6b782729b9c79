import { fileURLToPath } from 'node:url';
import { openNpy } from '../../src/sources/files/npy.js';
import { normalizedCopy } from '../../src/math/vectors.js';

/** ../shared/data/wordnet-ft128 beside the repository (read-only developer data set). */
export const DATA_DIR = fileURLToPath(new URL('../../../shared/data/wordnet-ft128/', import.meta.url));
export const DIM = 128;

/** Rows [start, start + count) of one of the data set's .npy files, optionally L2-normalized. */
export async function loadRows(file: string, count: number, options: { start?: number; normalize?: boolean } = {}): Promise<Float32Array> {
  const source = openNpy(`${DATA_DIR}${file}`);
  try {
    const start = options.start ?? 0;
    const block = await source.readRows(Array.from({ length: count }, (_, i) => start + i));
    return options.normalize ? normalizedCopy(block.data, count, DIM) : block.data;
  } finally {
    await source.close();
  }
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
