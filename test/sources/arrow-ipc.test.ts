import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openArrowIpc } from '../../src/sources/files/arrow-ipc.js';
import { openSource } from '../../src/sources/open-source.js';
import { assertFaultsFixture, assertFloat16Fixture, assertFloat32Fixture, columnar, COLUMNAR_ROWS } from './columnar.js';
import { expectInputError, scanAll, tempDir } from './helpers.js';
import { patchArrowBatchRows } from './patch.js';
import { countBytesRead } from './read-counter.js';

test('Arrow IPC file format (ARROW1) and stream format read the source rows', async () => {
  for (const name of ['fixed-f32.arrow', 'fixed-f32.arrows']) {
    const source = await openSource(columnar(name));
    await assertFloat32Fixture(source, 'arrow');
    await source.close();
  }
});

test('Arrow List<float64> with null, short and null-holding rows: row issues, the rest exact', async () => {
  const source = openArrowIpc(columnar('list-f64-faults.arrow'));
  await assertFaultsFixture(source);
  await source.close();
});

test('Feather v2 (the IPC file format) with float16 vectors', async () => {
  const source = await openSource(columnar('fixed-f16.feather'));
  await assertFloat16Fixture(source);
  await source.close();
});

test('a dictionary-encoded column next to the vectors: batches decode with their dictionary', async () => {
  const source = openArrowIpc(columnar('dictionary.arrows'));
  await assertFloat32Fixture(source, 'arrow');
  await source.close();
});

test('Arrow sampling reads only the record batches holding sampled rows', async () => {
  for (const name of ['fixed-f32.arrow', 'fixed-f32.arrows']) {
    const size = readFileSync(columnar(name)).length;
    const opened = await countBytesRead(async () => openArrowIpc(columnar(name)));
    assert.ok(opened.bytes < 4096, `${name}: open reads headers only (${opened.bytes} bytes)`);
    const source = opened.result;
    const one = await countBytesRead(() => source.readRows([3, 40]));
    assert.ok(one.bytes < size / 2.5, `${name}: one batch read, ${one.bytes} of ${size} bytes`);
    const two = await countBytesRead(() => source.readRows([3, 239]));
    assert.ok(two.bytes > one.bytes * 1.5 && two.bytes < size, `${name}: two batches, ${two.bytes} bytes`);
    await source.close();
  }
});

test('Arrow framing errors: truncated file or stream, wrong magic, a batch claiming 10^12 rows', async (t) => {
  const dir = tempDir(t);
  const file = readFileSync(columnar('fixed-f32.arrow'));
  const stream = readFileSync(columnar('fixed-f32.arrows'));
  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const cutFile = await expectInputError(() => openArrowIpc(write('cut.arrow', file.subarray(0, 90_000))), /does not end with the ARROW1 footer/);
  assert.equal(cutFile.byteOffset, 90_000);
  const cutStream = await expectInputError(() => openArrowIpc(write('cut.arrows', stream.subarray(0, 90_000))), /file ends inside the body of the message at byte \d+/);
  assert.ok((cutStream.byteOffset as number) < 90_000);
  await expectInputError(() => openArrowIpc(write('garbage.arrow', Buffer.from('this is not arrow at all, just text\n'.repeat(4)))), /not an Arrow IPC file \(no ARROW1 magic\) nor an Arrow stream/);
  for (const [name, bytes] of [
    ['claims.arrow', file],
    ['claims.arrows', stream],
  ] as const) {
    const error = await expectInputError(() => openArrowIpc(write(name, patchArrowBatchRows(bytes, 80, 1e12))), /record batch 0 claims 1000000000000 rows but its body has only \d+ bytes/);
    assert.ok(typeof error.byteOffset === 'number');
  }
  await expectInputError(() => openArrowIpc(columnar('fixed-f32.arrow'), { field: 'id' }), /column 'id' is Utf8, not a list of float/);
});

test('an Arrow stream without its end-of-stream marker is read, with a note', async (t) => {
  const stream = readFileSync(columnar('fixed-f32.arrows'));
  assert.deepEqual([...stream.subarray(stream.length - 8)], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  const path = join(tempDir(t), 'no-eos.arrows');
  writeFileSync(path, stream.subarray(0, stream.length - 8));
  const source = openArrowIpc(path);
  const description = await source.describe();
  assert.equal(description.rows, COLUMNAR_ROWS);
  assert.match(description.notes?.join() ?? '', /no end-of-stream marker/);
  assert.equal((await scanAll(source)).rows.length, COLUMNAR_ROWS);
  await source.close();
});
