import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyF32 } from './npy.js';

/** The shared real-embedding corpus (../shared/data beside the repository root). */
export const WORDNET_DIR = new URL('../../../shared/data/wordnet-ft128/', import.meta.url).pathname;

export interface Matrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

let cache: Record<string, Matrix> = {};

/** Model A documents (20000×128, unnormalized), or another file of the corpus. */
export function wordnet(file = 'docs.f32.npy'): Matrix {
  cache[file] ??= readNpyF32(join(WORDNET_DIR, file));
  return cache[file];
}

/** First `rows` rows, copied. */
export function head(matrix: Matrix, rows: number): Matrix {
  return { data: matrix.data.slice(0, rows * matrix.dim), rows, dim: matrix.dim };
}

export function normalized(matrix: Matrix): Matrix {
  const data = matrix.data.slice();
  for (let i = 0; i < matrix.rows; i++) {
    let sum = 0;
    for (let j = 0; j < matrix.dim; j++) sum += (data[i * matrix.dim + j] as number) ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < matrix.dim; j++) data[i * matrix.dim + j] = (data[i * matrix.dim + j] as number) * scale;
  }
  return { ...matrix, data };
}

/** A temp directory removed after the test file finishes. */
export function tempDir(after: (fn: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function resetWordnetCache(): void {
  cache = {};
}
