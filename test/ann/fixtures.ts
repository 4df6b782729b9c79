import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** test/fixtures/ann, written by scripts/fixtures/ann/make-ann-fixtures.ts. */
export const FIXTURES = resolve(new URL('../fixtures/ann', import.meta.url).pathname);
export const fixture = (name: string): string => join(FIXTURES, name);
/** Rows of reference.npy: the embeddings the fixture indexes were built from. */
export const REFERENCE_ROWS = 600;
export const DIM = 128;

/** A temp directory removed after the callback (also when it throws). */
export async function withTempDir<T>(use: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-ann-'));
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
