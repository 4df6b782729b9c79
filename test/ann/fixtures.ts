import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** test/fixtures/ann, written by scripts/fixtures/ann/make-ann-fixtures.ts. */
export const FIXTURES = resolve(new URL('../fixtures/ann', import.meta.url).pathname);
export const fixture = (name: string): string => join(FIXTURES, name);
/** Rows of reference.npy: the embeddings the fixture indexes were built from. */
export const REFERENCE_ROWS = 600;
export const DIM = 128;

/**
 * The LangChain hnswlib fixture with every label moved beyond 2^53 (2^60 + row), written into `dir`:
 * hnswlib-node would return such labels rounded, so the source searches exactly over its stored vectors.
 */
export function bigLabelHnswlib(dir: string): string {
  const bytes = Buffer.from(readFileSync(fixture('langchain-cosine/hnswlib.index')));
  const elementBytes = Number(bytes.readBigUInt64LE(24));
  const labelOffset = Number(bytes.readBigUInt64LE(32));
  const count = Number(bytes.readBigUInt64LE(16));
  for (let row = 0; row < count; row++) bytes.writeBigUInt64LE(2n ** 60n + BigInt(row), 96 + row * elementBytes + labelOffset);
  const path = join(dir, 'big-labels.hnswlib');
  writeFileSync(path, bytes);
  return path;
}

/** A temp directory removed after the callback (also when it throws). */
export async function withTempDir<T>(use: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-ann-'));
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
