import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { VectorSource } from '../../src/sources/source.js';
import { assertSameValues, assertScanMatchesReadRows, docsRows, DOCS_DIM, fixtures, range, scanAll } from './helpers.js';

/** scripts/fixtures/files/make-columnar-fixtures.mjs: rows 0..239 in three groups/batches of 80. */
export const COLUMNAR_ROWS = 240;
export const GROUP_ROWS = 80;
export const columnar = (name: string): string => join(fixtures, 'columnar', name);
export const columnarReference = docsRows(range(0, COLUMNAR_ROWS));
/** Rows in every group/batch, on both sides of each boundary. */
export const BOUNDARY_SAMPLE = [0, 1, 79, 80, 81, 159, 160, 200, 239];

/** A float32 vector column holding rows 0..239: exact values, samples = scan. */
export async function assertFloat32Fixture(source: VectorSource, kind: string): Promise<void> {
  const description = await source.describe();
  assert.deepEqual([description.kind, description.rows, description.dim, description.storage.type, description.local], [kind, COLUMNAR_ROWS, DOCS_DIM, 'float32', true]);
  assertSameValues((await scanAll(source)).data, columnarReference, `${kind} scan`);
  assertSameValues((await scanAll(source, 30 * DOCS_DIM)).data, columnarReference, `${kind} scan in small blocks`);
  await assertScanMatchesReadRows(source, BOUNDARY_SAMPLE);
}

/** List<Float64> with row 7 null, row 11 of 127 values, row 13 holding a null value. */
export async function assertFaultsFixture(source: VectorSource): Promise<void> {
  const description = await source.describe();
  assert.deepEqual([description.dim, description.storage.type], [DOCS_DIM, 'float64']);
  const scanned = await scanAll(source);
  const issues = scanned.issues.map((issue) => [issue.row, issue.kind, issue.length]);
  assert.deepEqual(issues, [
    [7, 'null', undefined],
    [11, 'length', 127],
    [13, 'null', undefined],
  ]);
  const good = range(0, COLUMNAR_ROWS).filter((row) => ![7, 11, 13].includes(row));
  assert.deepEqual(scanned.rows, good);
  assertSameValues(scanned.data, docsRows(good), 'float64 values narrowed to float32');
  await assertScanMatchesReadRows(source, [6, 7, 11, 12, 13, 100]);
}

/** Float16 values within half precision of the float32 source. */
export async function assertFloat16Fixture(source: VectorSource): Promise<void> {
  const description = await source.describe();
  assert.equal(description.storage.type, 'float16');
  const { data } = await scanAll(source);
  for (let i = 0; i < columnarReference.length; i++) {
    const expected = columnarReference[i] as number;
    assert.ok(Math.abs((data[i] as number) - expected) <= Math.abs(expected) * 2 ** -11 + 2 ** -24, `value ${i}`);
  }
}
