import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalFile } from '../../src/sources/files/local-file.js';
import { applyChain } from '../../src/sources/faiss/apply-transforms.js';
import { storedVectorsReference } from '../../src/gather/exact-reference.js';
import { FaissSource } from '../../src/sources/faiss/faiss-source.js';
import { parseFaissIndex } from '../../src/sources/faiss/parse-index.js';
import { resolveIndex } from '../../src/sources/faiss/row-layout.js';
import { FIXTURES, fixturePath } from './fixtures.js';

for (const [name, facts] of Object.entries(FIXTURES)) {
  if (!facts.search) continue;
  const search = facts.search;
  test(`FAISS ${name}: search returns FAISS's own top-${search.k}`, async () => {
    const source = FaissSource.open(fixturePath(name));
    try {
      assert.ok(source.search, 'FAISS sources with an IP or L2 metric can search');
      const queries = await source.readRows(search.queryRows);
      const result = await source.search.query({ queries: queries.data, count: queries.count, k: search.k });
      result.ids.forEach((ids, q) => {
        // Same set; the order may differ only among exact ties (duplicate vectors).
        assert.deepEqual(ids.map(String).sort(), [...(search.ids[q] as string[])].sort(), `query row ${search.queryRows[q]}`);
      });
    } finally {
      await source.close();
    }
  });
}

test('FAISS search parameters: nprobe and efSearch sweeps, and their effect', async () => {
  const ivf = FaissSource.open(fixturePath('ivfflat_ip_unit'));
  const { sweepFrom, ...ivfTuning } = ivf.search!.tuning!;
  assert.deepEqual(ivfTuning, { name: 'nprobe', current: 4, sweep: [8, 16] });
  assert.deepEqual(sweepFrom?.(2), [4, 8, 16], 'audited at another value (--search), the sweep doubles from it');
  const rows = await ivf.readRows([3, 200, 400]);
  const all = await ivf.search!.query({ queries: rows.data, count: 3, k: 10, params: { nprobe: 16 } });
  const reference = await storedVectorsReference(ivf, await ivf.describe());
  const one = await ivf.search!.query({ queries: rows.data, count: 3, k: 10, params: { nprobe: 1 } });
  // Probing every list is exhaustive: each stored row finds itself first.
  assert.deepEqual(
    all.ids.map((ids) => ids[0]),
    [3, 200, 400].map((row) => reference!.ids[row]),
  );
  assert.ok(one.ids.every((ids) => ids.length <= 10));
  await ivf.close();

  const hnsw = FaissSource.open(fixturePath('hnsw_ip_unit'));
  const { sweepFrom: _hnswSweepFrom, ...hnswTuning } = hnsw.search!.tuning!;
  assert.deepEqual(hnswTuning, { name: 'efSearch', current: 32, sweep: [64, 128, 256] });
  await hnsw.close();

  const flat = FaissSource.open(fixturePath('flat_ip_unit'));
  assert.equal(flat.search?.tuning, undefined);
  assert.equal(await storedVectorsReference(flat, await flat.describe()), undefined, 'exhaustive indexes are exact by construction: no self-audit');
  assert.equal((await flat.selfReference()).usable, false);
  await flat.close();
});

test('FAISS exact reference: the index vectors with the ids search returns', async () => {
  const source = FaissSource.open(fixturePath('idmap_ivf'));
  const reference = (await storedVectorsReference(source, await source.describe()))!;
  const { rows, dim, index } = await source.describe();
  assert.equal(reference.count, rows);
  assert.equal(reference.dim, dim);
  assert.equal(reference.metric, 'l2');
  assert.deepEqual(reference.ids.slice(0, 5), Array.from(index!.ids!.values.slice(0, 5)));
  await source.close();
});

test('FAISS PreTransform: queries in the input space go through the same chain as FAISS', async () => {
  for (const name of ['pretransform_pca', 'pretransform_pcaw', 'pretransform_rr', 'pretransform_l2norm']) {
    const facts = FIXTURES[name]!;
    const file = LocalFile.open(fixturePath(name));
    const { chain } = resolveIndex(parseFaissIndex(file).root);
    file.close();
    const output = applyChain(chain, Float32Array.from(facts.transform!.input), 1)!;
    facts.transform!.output.forEach((value, j) => assert.ok(Math.abs((output[j] as number) - value) < 1e-4, `${name}[${j}]: ${output[j]} vs FAISS ${value}`));

    // A rotation keeps the dimension: its queries are taken as already in the stored space.
    if (chain.some((step) => step.kind === 'linear') && facts.d === facts.rowDim) continue;
    const source = FaissSource.open(fixturePath(name));
    const input = Float32Array.from(facts.transform!.input);
    const fromInput = await source.search!.query({ queries: input, count: 1, k: 5 });
    const fromRowSpace = await source.search!.query({ queries: output, count: 1, k: 5 });
    assert.deepEqual(fromInput.ids, fromRowSpace.ids);
    await source.close();
  }
});
