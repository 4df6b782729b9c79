import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VectorclinicError } from '../../src/errors.js';
import type { RowBlock, RowIssue, VectorSource } from '../../src/sources/source.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const sharedData = resolve(repoRoot, '../shared/data/wordnet-ft128');
export const docsNpy = join(sharedData, 'docs.f32.npy');
export const fixtures = join(repoRoot, 'test/fixtures/files');

/** docs.f32.npy is a v1 header of 128 bytes then 20000 × 128 little-endian float32 (see its README). */
const DOCS_DATA_OFFSET = 128;
export const DOCS_DIM = 128;

/**
 * Rows of the shared model-A vectors read straight from the file bytes: the reference the readers
 * are compared with, independent of any reader under test.
 */
export function docsRows(rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * DOCS_DIM);
  const fd = openSync(docsNpy, 'r');
  try {
    rows.forEach((row, i) => {
      const bytes = new Uint8Array(out.buffer, i * DOCS_DIM * 4, DOCS_DIM * 4);
      readSync(fd, bytes, 0, bytes.length, DOCS_DATA_OFFSET + row * DOCS_DIM * 4);
    });
  } finally {
    closeSync(fd);
  }
  return out;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-readers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every row a scan yields: row numbers, values (copied: blocks may reuse buffers) and issues. */
export async function scanAll(source: VectorSource, blockFloats?: number): Promise<{ rows: number[]; data: Float32Array; issues: RowIssue[] }> {
  const { dim } = await source.describe();
  const rows: number[] = [];
  const chunks: Float32Array[] = [];
  const issues: RowIssue[] = [];
  for await (const block of source.scan(blockFloats ? { blockFloats } : {})) {
    assert.equal(block.dim, dim);
    assert.equal(block.data.length, block.count * dim, 'data holds count × dim values');
    rows.push(...blockRows(block));
    chunks.push(block.data.slice());
    issues.push(...(block.issues ?? []));
  }
  const data = new Float32Array(rows.length * dim);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return { rows, data, issues };
}

export function blockRows(block: RowBlock): number[] {
  return block.rows ? Array.from(block.rows) : range(block.start, block.start + block.count);
}

/** Rows `wanted` out of a (rows, data) set, in order. */
export function pick(rows: readonly number[], data: Float32Array, dim: number, wanted: readonly number[]): Float32Array {
  const index = new Map(rows.map((row, i) => [row, i]));
  const out = new Float32Array(wanted.length * dim);
  wanted.forEach((row, i) => {
    const at = index.get(row);
    assert.notEqual(at, undefined, `row ${row} present`);
    out.set(data.subarray((at as number) * dim, ((at as number) + 1) * dim), i * dim);
  });
  return out;
}

/** Exact float equality, NaN equal to NaN, with the first differing index in the message. */
export function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (a !== e && !(Number.isNaN(a) && Number.isNaN(e))) assert.fail(`${what}: index ${i} is ${a}, expected ${e}`);
  }
}

/**
 * The reader contract on real data: a scan covers every row once in order (decoded rows plus issue
 * rows), and readRows returns for any rows exactly what the scan returned for them.
 */
export async function assertScanMatchesReadRows(source: VectorSource, sampleRows: readonly number[]): Promise<void> {
  const { dim, rows: total } = await source.describe();
  const scanned = await scanAll(source);
  const covered = [...scanned.rows, ...scanned.issues.map((issue) => issue.row)].sort((a, b) => a - b);
  assert.deepEqual(covered, range(0, total), 'the scan covers every row exactly once');
  const block = await source.readRows(sampleRows);
  const returned = blockRows(block);
  const issueRows = new Set(scanned.issues.map((issue) => issue.row));
  assert.deepEqual(
    returned,
    sampleRows.filter((row) => !issueRows.has(row)),
    'readRows returns the decodable rows asked for',
  );
  assert.deepEqual(
    (block.issues ?? []).map((issue) => issue.row),
    sampleRows.filter((row) => issueRows.has(row)),
    'and reports the others',
  );
  assertSameValues(block.data, pick(scanned.rows, scanned.data, dim, returned), 'readRows vs scan');
}

/** Run `action`, expect a VectorclinicError (an InputError or UsageError), and return it. */
export async function expectInputError(action: () => unknown, pattern?: RegExp): Promise<VectorclinicError> {
  try {
    await action();
  } catch (error) {
    if (!VectorclinicError.isInstance(error)) throw error;
    if (pattern) assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`expected an input error${pattern ? ` matching ${pattern}` : ''}`);
}
