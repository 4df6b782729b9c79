import assert from 'node:assert/strict';
import { test } from 'node:test';
import usearch from 'usearch';
import { openNpy } from '../../src/sources/files/npy.js';
import { openSource } from '../../src/sources/open-source.js';
import { openUsearch } from '../../src/sources/usearch/usearch-source.js';
import { DIM, fixture, REFERENCE_ROWS } from './fixtures.js';

async function referenceRows(rows: number[]): Promise<Float32Array> {
  const reference = openNpy(fixture('reference.npy'));
  try {
    return (await reference.readRows(rows)).data;
  } finally {
    await reference.close();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(aa * bb);
}

test('usearch f32: metric, scalar kind and keys from the head; vectors exactly as added', async () => {
  const source = await openUsearch(fixture('cos-f32.usearch'));
  try {
    const description = await source.describe();
    assert.equal(description.kind, 'usearch');
    assert.equal(description.rows, REFERENCE_ROWS);
    assert.equal(description.dim, DIM);
    assert.equal(description.storage.type, 'float32');
    assert.equal(description.index!.metric, 'cosine');
    assert.equal(description.index!.metricSource, 'index');
    const keys = description.index!.ids!.values as BigInt64Array;
    assert.deepEqual([...keys.slice(0, 3)], [0n, 1n, 2n]);
    const rows = [0, 17, 599];
    assert.deepEqual((await source.readRows(rows)).data, await referenceRows(rows));
  } finally {
    await source.close();
  }
});

test('usearch f16 and i8 decode to the added vectors (i8: normalized, within quantization error)', async () => {
  const rows = [0, 5, 300];
  const expected = await referenceRows(rows);
  const half = await openUsearch(fixture('cos-f16.usearch'));
  const halfRows = (await half.readRows(rows)).data;
  await half.close();
  for (let i = 0; i < halfRows.length; i++) assert.ok(Math.abs((halfRows[i] as number) - (expected[i] as number)) <= 1e-3);

  const int8 = await openUsearch(fixture('cos-i8.usearch'));
  try {
    const description = await int8.describe();
    assert.equal(description.storage.type, 'int8');
    assert.equal(description.index!.normalizesInput, true);
    // Key 7 was removed: the slot stays in the file but is not a row.
    assert.equal(description.rows, REFERENCE_ROWS - 1);
    assert.equal(description.index!.params.deletedSlots, 1);
    const keys = [...(description.index!.ids!.values as BigInt64Array)];
    assert.equal(keys.includes(7n), false);
    assert.equal(keys[7], 8n);
    // Rows after the removed slot shift by one: compare each row with the reference row its key names.
    const block = await int8.readRows(rows);
    const byKey = await referenceRows(rows.map((row) => Number(keys[row])));
    rows.forEach((row, i) => {
      const similarity = cosine(block.data.subarray(i * DIM, (i + 1) * DIM), byKey.subarray(i * DIM, (i + 1) * DIM));
      assert.ok(similarity > 0.99, `row ${row}: cosine ${similarity}`);
    });
  } finally {
    await int8.close();
  }
});

test('keys above 2^53 are read exactly, and search answers with those exact keys', async () => {
  const source = await openUsearch(fixture('big-keys.usearch'));
  try {
    const keys = (await source.describe()).index!.ids!.values as BigInt64Array;
    assert.equal(BigInt.asUintN(64, keys[0]!), 2n ** 60n + 1n);
    assert.equal(BigInt.asUintN(64, keys[1]!), 2n ** 60n + 2n);
    assert.equal(new Set(keys).size, REFERENCE_ROWS);
    const query = await referenceRows([42]);
    const result = await source.search.query({ queries: query, count: 1, k: 3 });
    assert.equal(result.ids[0]![0], 2n ** 60n + 43n);
  } finally {
    await source.close();
  }
});

test("search results equal the usearch package's own answers", async () => {
  const path = fixture('l2sq-f32.usearch');
  const source = await openUsearch(path);
  const library = new usearch.Index({ dimensions: DIM, metric: 'l2sq' as never, quantization: 'f32' as never, connectivity: 16, expansion_add: 0, expansion_search: 0, multi: false });
  library.load(path);
  try {
    const queries = await referenceRows([3, 250]);
    const ours = await source.search.query({ queries, count: 2, k: 10 });
    // A flat Float32Array of two queries is a matrix to usearch: it answers with BatchMatches.
    const theirs = library.search(queries, 10, 1) as unknown as InstanceType<typeof usearch.BatchMatches>;
    assert.deepEqual(ours.ids[0], Array.from(theirs.get(0).keys));
    assert.deepEqual(ours.ids[1], Array.from(theirs.get(1).keys));
  } finally {
    await source.close();
  }
});

test('a multi-key index says so in its params', async () => {
  const source = await openSource(fixture('multi-keys.usearch'));
  const { index } = await source.describe();
  await source.close();
  assert.equal(index!.params.multi, true);
  assert.equal(index!.ids!.values.length, 200);
});
