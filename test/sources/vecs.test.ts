import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openVecs } from '../../src/sources/files/vecs.js';
import { assertSameValues, assertScanMatchesReadRows, docsRows, DOCS_DIM, expectInputError, range, scanAll, tempDir } from './helpers.js';

const ROWS = 48;
const reference = docsRows(range(0, ROWS));

/** TEXMEX layout: per row an int32 dimension then the values (float32 for fvecs, uint8 for bvecs). */
function vecsBytes(rows: readonly ArrayLike<number>[], kind: 'fvecs' | 'bvecs', declaredDims?: readonly number[]): Buffer {
  const parts = rows.map((values, row) => {
    const elementBytes = kind === 'fvecs' ? 4 : 1;
    const out = Buffer.alloc(4 + values.length * elementBytes);
    out.writeInt32LE(declaredDims?.[row] ?? values.length, 0);
    for (let j = 0; j < values.length; j++) {
      if (kind === 'fvecs') out.writeFloatLE(values[j] as number, 4 + 4 * j);
      else out.writeUInt8(values[j] as number, 4 + j);
    }
    return out;
  });
  return Buffer.concat(parts);
}

const referenceRows = range(0, ROWS).map((row) => reference.subarray(row * DOCS_DIM, (row + 1) * DOCS_DIM));

test('fvecs reads the source rows; samples equal the scan', async (t) => {
  const path = join(tempDir(t), 'docs.fvecs');
  writeFileSync(path, vecsBytes(referenceRows, 'fvecs'));
  const source = openVecs(path, 'fvecs');
  const description = await source.describe();
  assert.deepEqual([description.rows, description.dim, description.storage.type], [ROWS, DOCS_DIM, 'float32']);
  assertSameValues((await scanAll(source, 5 * DOCS_DIM)).data, reference);
  await assertScanMatchesReadRows(source, [0, 9, 10, 47]);
  await source.close();
});

test('bvecs reads uint8 rows', async (t) => {
  const path = join(tempDir(t), 'codes.bvecs');
  const rows = range(0, 10).map((row) => Uint8Array.from(range(0, 16), (j) => (row * 16 + j) % 256));
  writeFileSync(path, vecsBytes(rows, 'bvecs'));
  const source = openVecs(path, 'bvecs');
  const description = await source.describe();
  assert.deepEqual([description.rows, description.dim, description.storage.type], [10, 16, 'uint8']);
  assertSameValues(
    (await scanAll(source)).data,
    rows.flatMap((row) => Array.from(row)),
  );
  await assertScanMatchesReadRows(source, [2, 3, 9]);
  await source.close();
});

test('an fvecs row of another dimension breaks the layout: the error names that row', async (t) => {
  const path = join(tempDir(t), 'ragged.fvecs');
  const rows = [...referenceRows.slice(0, 5), referenceRows[5]!.subarray(0, 64), ...referenceRows.slice(6, 12)];
  writeFileSync(path, vecsBytes(rows, 'fvecs'));
  const error = await expectInputError(() => openVecs(path, 'fvecs'), /not a multiple of the row size 516.*row 5 declares dimension 64, the first row 128/);
  assert.equal(error.row, 5);
  assert.equal(error.byteOffset, 5 * 516);
});

test('an fvecs file cut inside its last row is reported as truncated at that row', async (t) => {
  const path = join(tempDir(t), 'cut.fvecs');
  writeFileSync(path, vecsBytes(referenceRows.slice(0, 6), 'fvecs').subarray(0, 5 * 516 + 100));
  const error = await expectInputError(() => openVecs(path, 'fvecs'), /the last row is cut off/);
  assert.equal(error.row, 5);
  assert.equal(error.byteOffset, 5 * 516);
});

test('an fvecs row declaring another dimension (same size) fails when read, naming row and offset', async (t) => {
  const path = join(tempDir(t), 'bad-prefix.fvecs');
  const declared = range(0, 12).map((row) => (row === 5 ? 64 : DOCS_DIM));
  writeFileSync(path, vecsBytes(referenceRows.slice(0, 12), 'fvecs', declared));
  const source = openVecs(path, 'fvecs');
  const error = await expectInputError(() => scanAll(source), /row declares dimension 64, the first row 128/);
  assert.equal(error.row, 5);
  assert.equal(error.byteOffset, 5 * 516);
  await expectInputError(() => source.readRows([5]), /dimension 64/);
  assertSameValues((await source.readRows([4, 6])).data, [...referenceRows[4]!, ...referenceRows[6]!]);
  await source.close();
});

test('fvecs whose first int32 is no dimension is rejected at open', async (t) => {
  const dir = tempDir(t);
  for (const [name, first] of [
    ['zero.fvecs', 0],
    ['negative.fvecs', -3],
    ['huge.fvecs', 1 << 30],
  ] as const) {
    const path = join(dir, name);
    const bytes = Buffer.alloc(64);
    bytes.writeInt32LE(first, 0);
    writeFileSync(path, bytes);
    const error = await expectInputError(() => openVecs(path, 'fvecs'), new RegExp(`first row declares dimension ${first}`));
    assert.equal(error.byteOffset, 0);
  }
});
