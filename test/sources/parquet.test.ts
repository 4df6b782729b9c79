import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openParquet } from '../../src/sources/files/parquet.js';
import { openSource } from '../../src/sources/open-source.js';
import { assertFaultsFixture, assertFloat16Fixture, assertFloat32Fixture, columnar } from './columnar.js';
import { expectInputError, scanAll, tempDir } from './helpers.js';
import { patchParquetRowCount } from './patch.js';

test('Parquet FixedSizeList<float32>: the source rows, row group by row group', async () => {
  const source = await openSource(columnar('fixed-f32.parquet'));
  await assertFloat32Fixture(source, 'parquet');
  await source.close();
  await source.close(); // closing twice is safe
});

test('Parquet List<float64> with null, short and null-holding rows: row issues, the rest exact', async () => {
  const source = await openParquet(columnar('list-f64-faults.parquet'));
  await assertFaultsFixture(source);
  await source.close();
});

test('Parquet FixedSizeList<float16>', async () => {
  const source = await openParquet(columnar('fixed-f16.parquet'));
  await assertFloat16Fixture(source);
  await source.close();
});

test('Parquet sampling reads only the row groups holding sampled rows', async () => {
  const original = Blob.prototype.slice;
  let bytes = 0;
  // Count what parquet-wasm asks the file Blob for; the reads themselves still happen.
  Blob.prototype.slice = function (this: Blob, start?: number, end?: number, type?: string) {
    bytes += (end ?? this.size) - (start ?? 0);
    return original.call(this, start, end, type);
  };
  try {
    const source = await openParquet(columnar('fixed-f32.parquet'));
    const footerBytes = bytes;
    bytes = 0;
    await source.readRows([5, 6, 70]);
    const oneGroup = bytes;
    bytes = 0;
    await source.readRows([5, 200]);
    const twoGroups = bytes;
    await source.close();
    const fileSize = readFileSync(columnar('fixed-f32.parquet')).length;
    assert.ok(footerBytes < 4096, `open reads the footer only (${footerBytes} bytes)`);
    assert.ok(oneGroup < fileSize / 2.5, `one row group: ${oneGroup} of ${fileSize} bytes`);
    assert.ok(twoGroups > oneGroup * 1.5 && twoGroups < fileSize, `two row groups: ${twoGroups} bytes`);
  } finally {
    Blob.prototype.slice = original;
  }
});

test('Parquet vector column choice: by name among several, --field, clear errors', async () => {
  const named = await openParquet(columnar('two-vectors.parquet'));
  assert.match((await named.describe()).notes?.join() ?? '', /column 'embedding' \(also list columns: image_vec/);
  await named.close();
  const chosen = await openParquet(columnar('two-vectors.parquet'), { field: 'image_vec' });
  assert.equal((await scanAll(chosen)).rows.length, 10);
  await chosen.close();
  await expectInputError(() => openParquet(columnar('two-unnamed-vectors.parquet')), /several columns hold vectors \(a, b\)/);
  const byField = await openParquet(columnar('two-unnamed-vectors.parquet'), { field: 'b' });
  await byField.close();
  const none = await expectInputError(() => openParquet(columnar('no-vectors.parquet')), /no column holds a list of floats \(columns: id: Utf8, text: /);
  assert.ok(typeof none.byteOffset === 'number' && none.byteOffset > 0, 'points at the footer');
  await expectInputError(() => openParquet(columnar('no-vectors.parquet'), { field: 'id' }), /column 'id' is Utf8, not a list of float/);
  await expectInputError(() => openParquet(columnar('no-vectors.parquet'), { field: 'nope' }), /no column 'nope'/);
});

test('Parquet framing and footer errors are InputErrors', async (t) => {
  const dir = tempDir(t);
  const good = readFileSync(columnar('fixed-f32.parquet'));
  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const truncated = await expectInputError(() => openParquet(write('cut.parquet', good.subarray(0, 100_000))), /does not end with the PAR1 footer/);
  assert.equal(truncated.byteOffset, 100_000);
  await expectInputError(() => openParquet(write('magic.parquet', Buffer.concat([Buffer.from('PAX1'), good.subarray(4)]))), /missing the PAR1 magic/);
  const footer = Buffer.from(good);
  for (let i = footer.length - 600; i < footer.length - 584; i++) footer[i] = (footer[i] as number) ^ 0x5a;
  await expectInputError(() => openParquet(write('footer.parquet', footer)), /cannot read the Parquet footer/);
  const claims = await expectInputError(() => openParquet(write('claims.parquet', patchParquetRowCount(good, 240, 1e12))), /the footer claims 1000000000000 rows but its row groups hold 240/);
  assert.ok(typeof claims.byteOffset === 'number');
  // The WASM reader keeps working after rejecting broken files.
  const after = await openParquet(columnar('fixed-f32.parquet'));
  assert.equal((await scanAll(after)).rows.length, 240);
  await after.close();
});
