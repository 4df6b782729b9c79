import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import hnswlibNode from 'hnswlib-node';
import { openNpy } from '../../src/sources/files/npy.js';
import { openHnswlib } from '../../src/sources/hnswlib/hnswlib-source.js';
import { openSource } from '../../src/sources/open-source.js';
import { DIM, fixture, REFERENCE_ROWS, withTempDir } from './fixtures.js';

test('hnswlib rows and labels equal what hnswlib-node returns for the same labels', async () => {
  const path = fixture('langchain-cosine/hnswlib.index');
  const source = await openHnswlib(path);
  try {
    const description = await source.describe();
    assert.equal(description.kind, 'hnswlib');
    assert.equal(description.rows, REFERENCE_ROWS);
    assert.equal(description.dim, DIM);
    const library = new hnswlibNode.HierarchicalNSW('cosine', DIM);
    library.readIndexSync(path);
    const labels = description.index!.ids!.values as BigInt64Array;
    assert.deepEqual(
      [...labels].map(Number).sort((a, b) => a - b),
      library.getIdsList().sort((a, b) => a - b),
    );
    const rows = [0, 1, 57, 298, 599];
    const block = await source.readRows(rows);
    rows.forEach((row, i) => {
      const expected = library.getPoint(Number(labels[row]));
      const actual = Array.from(block.data.subarray(i * DIM, (i + 1) * DIM));
      assert.deepEqual(
        actual,
        expected.map((value) => Math.fround(value)),
      );
    });
  } finally {
    await source.close();
  }
});

test('a full scan yields the same vectors as positioned reads', async () => {
  const source = await openHnswlib(fixture('low-m.hnswlib'));
  try {
    const scanned: number[] = [];
    for await (const block of source.scan({ blockFloats: 100 * DIM })) scanned.push(...block.data);
    const all = await source.readRows(Array.from({ length: REFERENCE_ROWS }, (_, i) => i));
    assert.deepEqual(scanned, Array.from(all.data));
  } finally {
    await source.close();
  }
});

test('header facts: M, efConstruction, levels; cosine vectors come back unit length', async () => {
  const source = await openHnswlib(fixture('langchain-cosine/hnswlib.index'));
  try {
    const { index } = await source.describe();
    assert.equal(index?.params.M, 16);
    assert.equal(index?.params.maxM0, 32);
    assert.equal(index?.params.efConstruction, 100);
    assert.equal(index?.params.deleted, 0);
    assert.equal(index?.normalizesInput, true);
    const block = await source.readRows([3]);
    const norm = Math.hypot(...block.data);
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  } finally {
    await source.close();
  }
});

test("the metric comes from LangChain's args.json, else --metric, and raw vectors overrule a declared cosine", async () => {
  const sidecar = await openHnswlib(fixture('langchain-cosine/hnswlib.index'), { metric: 'l2' });
  const sidecarIndex = (await sidecar.describe()).index!;
  await sidecar.close();
  assert.equal(sidecarIndex.metric, 'cosine');
  assert.equal(sidecarIndex.metricSource, 'sidecar');

  const declared = await openHnswlib(fixture('ip-raw.hnswlib'), { metric: 'ip' });
  const declaredIndex = (await declared.describe()).index!;
  await declared.close();
  assert.equal(declaredIndex.metric, 'ip');
  assert.equal(declaredIndex.metricSource, 'declared');

  // hnswlib's cosine space normalizes on insert: raw stored vectors cannot be a cosine index.
  const contradicted = await openHnswlib(fixture('ip-raw.hnswlib'), { metric: 'cosine' });
  const contradictedDescription = await contradicted.describe();
  await contradicted.close();
  assert.equal(contradictedDescription.index!.metric, undefined);
  assert.equal(contradictedDescription.index!.metricSource, 'unknown');
  assert.equal(contradicted.search, undefined, 'no space to search with');
  assert.ok(contradictedDescription.notes!.some((note) => note.includes("'ip' or 'l2'")));

  const unknown = await openHnswlib(fixture('l2-raw.hnswlib'));
  assert.equal((await unknown.describe()).index!.metricSource, 'unknown');
  await unknown.close();
});

test('an args.json for another dimension is ignored, with a note', async () => {
  await withTempDir(async (dir) => {
    copyFileSync(fixture('ip-raw.hnswlib'), join(dir, 'hnswlib.index'));
    writeFileSync(join(dir, 'args.json'), JSON.stringify({ space: 'ip', numDimensions: 384 }));
    const source = await openHnswlib(join(dir, 'hnswlib.index'));
    const description = await source.describe();
    await source.close();
    assert.equal(description.index!.metricSource, 'unknown');
    assert.ok(description.notes!.some((note) => note.includes('numDimensions 384')));
  });
});

test('the file is recognised by its header, whatever its name', async () => {
  const source = await openSource(fixture('langchain-cosine/hnswlib.index'), { metric: 'cosine' });
  assert.equal((await source.describe()).kind, 'hnswlib');
  await source.close();
});

test('an index saved before any data: zero rows, dimension from the layout', async () => {
  const source = await openHnswlib(fixture('empty.hnswlib'));
  const description = await source.describe();
  await source.close();
  assert.equal(description.rows, 0);
  assert.equal(description.dim, DIM);
  assert.equal(description.index!.params.maxElements, 100);
});

test("search goes through hnswlib-node's own graph search and answers with labels", async () => {
  const source = await openHnswlib(fixture('missing-batch.hnswlib'), { metric: 'cosine' });
  const reference = openNpy(fixture('reference.npy'));
  try {
    // Row 400 of the reference is label 400 in this index (rows 200..349 were never added).
    const query = await reference.readRows([400]);
    const result = await source.search!.query({ queries: query.data, count: 1, k: 5 });
    assert.equal(Number(result.ids[0]![0]), 400);
    assert.equal(source.search?.tuning?.name, 'efSearch');
    const plan = await source.selfReference();
    assert.equal(plan.usable, true);
  } finally {
    await source.close();
    await reference.close();
  }
});
