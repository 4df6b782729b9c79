import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSource } from '../../src/sources/open-source.js';
import { FaissSource } from '../../src/sources/faiss/faiss-source.js';
import { FIXTURES, fixturePath } from './fixtures.js';

/** FAISS decodes in float32 with its own operation order; a few float32 ulps either way. */
const DECODE_TOLERANCE = 2e-6;
const FAISS_METRIC: Record<number, string> = { 0: 'ip', 1: 'l2' };

for (const [name, facts] of Object.entries(FIXTURES)) {
  test(`FAISS ${name}: shape, metric, ids and rows equal what FAISS reports`, async () => {
    const source = await openSource(fixturePath(name));
    try {
      assert.ok(source instanceof FaissSource, 'sniffed as a FAISS index');
      const description = await source.describe();
      const index = description.index!;
      assert.equal(description.kind, 'faiss');
      assert.equal(description.rows, facts.ntotal);
      assert.equal(description.dim, facts.rowDim);
      assert.equal(index.ntotal, facts.ntotal);
      assert.equal(index.metric, FAISS_METRIC[facts.metric] ?? 'other');
      assert.equal(index.metricSource, 'index');
      assert.equal(description.storage.bytes > 0 || facts.ntotal === 0, true);
      if (facts.nlist !== undefined) {
        assert.equal(index.ivf?.nlist, facts.nlist);
        assert.equal(index.ivf?.nprobe, facts.nprobe);
        assert.deepEqual(Array.from(index.ivf!.listSizes, Number), facts.listSizes);
        assert.equal(index.ivf?.rowsByList, true);
      }
      if (facts.efSearch !== undefined) {
        assert.equal(index.params.efSearch, facts.efSearch);
        assert.equal(index.params.efConstruction, facts.efConstruction);
      }
      const ids = index.ids?.values;
      if (ids) {
        assert.deepEqual(Array.from(ids.slice(0, 20), String), facts.ids);
        assert.deepEqual(Array.from(ids.slice(-5), String), facts.idsTail);
      } else {
        // No stored ids: FAISS labels are the row numbers.
        assert.deepEqual(
          facts.ids,
          facts.ids.map((_, i) => String(i)),
        );
      }
      for (const expected of facts.rows ?? []) {
        const block = await source.readRows([expected.row]);
        assert.equal(block.count, 1);
        expected.values.forEach((value, j) => {
          const actual = block.data[j] as number;
          if (value === null) assert.ok(!Number.isFinite(actual), `row ${expected.row}[${j}] should be non-finite`);
          else assert.ok(Math.abs(actual - value) <= DECODE_TOLERANCE * Math.max(1, Math.abs(value)), `row ${expected.row}[${j}]: ${actual} vs FAISS ${value}`);
        });
      }
    } finally {
      await source.close();
    }
  });
}

test('FAISS scan yields every row once, in row order, equal to readRows', async () => {
  for (const name of ['ivfpq_l2_unit', 'hnsw_pq', 'idmap_ivf', 'sq6']) {
    const source = FaissSource.open(fixturePath(name));
    const { rows, dim } = await source.describe();
    let next = 0;
    const firsts: number[] = [];
    for await (const block of source.scan({ blockFloats: 37 * dim })) {
      assert.equal(block.start, next, `${name}: blocks are contiguous`);
      next += block.count;
      firsts.push(block.data[0] as number);
    }
    assert.equal(next, rows, `${name}: scan covers all rows`);
    const probe = [0, Math.floor(rows / 2), rows - 1];
    const picked = await source.readRows(probe);
    let scanned = 0;
    for await (const block of source.scan()) {
      for (const [k, row] of probe.entries()) {
        if (row >= block.start && row < block.start + block.count) {
          assert.deepEqual(block.data.subarray((row - block.start) * dim, (row - block.start + 1) * dim), picked.data.subarray(k * dim, (k + 1) * dim));
          scanned++;
        }
      }
    }
    assert.equal(scanned, probe.length);
    await source.close();
  }
});

test('FAISS descriptions: types, quantizers, transforms and training state', async () => {
  const describe = async (name: string) => {
    const source = FaissSource.open(fixturePath(name));
    const description = await source.describe();
    await source.close();
    return description;
  };
  const ivfpq = await describe('ivfpq_l2_unit');
  assert.equal(ivfpq.index?.type, 'IndexIVFPQ');
  assert.equal(ivfpq.storage.type, 'pq');
  assert.equal(ivfpq.storage.lossy, true);
  assert.deepEqual([ivfpq.index?.quantizer?.kind, ivfpq.index?.quantizer?.m, ivfpq.index?.quantizer?.nbits], ['pq', 16, 8]);
  assert.equal(ivfpq.index?.quantizer?.codebook?.length, 128 * 256);
  assert.equal(ivfpq.index?.ivf?.byResidual, true);
  assert.equal(ivfpq.index?.ivf?.centroids?.length, 16 * 128);
  assert.equal(ivfpq.index?.ids?.kind, 'idmap', "FAISS ids are signed, as an IDMap's are");

  const sq = await describe('sq8');
  assert.equal(sq.index?.quantizer?.sqType, 'QT_8bit');
  assert.equal(sq.storage.type, 'sq');
  assert.ok(sq.normTolerance > 1e-4 && sq.normTolerance < 2e-2, `SQ8 tolerance from its trained ranges: ${sq.normTolerance}`);

  const hnsw = await describe('hnsw_ip_unit');
  assert.equal(hnsw.index?.type, 'IndexHNSWFlat');
  assert.equal(hnsw.index?.params.M, 16);

  const l2norm = await describe('pretransform_l2norm');
  assert.equal(l2norm.index?.normalizesInput, true);
  assert.equal(l2norm.index?.transform, undefined);
  assert.equal(l2norm.index?.type, 'IndexPreTransform(NormalizationTransform → IndexFlatIP)');

  const pcaw = await describe('pretransform_pcaw');
  assert.deepEqual(pcaw.index?.transform, { kind: 'PCAMatrix', whitening: true, inputDim: 128, outputDim: 64 });
  assert.equal(pcaw.dim, 64);
  const pca = await describe('pretransform_pca');
  assert.equal(pca.index?.transform?.whitening, false);
  const rr = await describe('pretransform_rr');
  assert.equal(rr.index?.transform?.kind, 'RandomRotationMatrix');

  const idmap2 = await describe('idmap2_collide');
  assert.equal(idmap2.index?.ids?.kind, 'idmap2');
  const values = Array.from(idmap2.index!.ids!.values);
  assert.equal(values[100], 2n ** 53n + 1n, 'ids above 2^53 are exact');
  assert.equal(values[101], 2n ** 62n + 12345n);
  assert.equal(values[102], 2n ** 53n + 1n);

  assert.equal((await describe('ivf_untrained')).index?.trained, false);
  assert.equal((await describe('ivf_empty_trained')).index?.trained, true);
  // IndexIDMap copies its sub-index's flag when built: wrapping before training writes "untrained".
  assert.equal((await describe('idmap_ivf')).index?.trained, true);
});

test('FAISS code usage separates a fitting PQ codebook from a stale one', async () => {
  const usage = async (name: string) => {
    const source = FaissSource.open(fixturePath(name));
    const description = await source.describe();
    await source.close();
    return description.index?.quantizer?.usage;
  };
  const mean = (values: readonly number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0) / (values?.length || 1);
  assert.ok(mean((await usage('pq_unit'))?.effectiveCodeShare) > 0.7);
  assert.ok(mean((await usage('pq_stale'))?.effectiveCodeShare) < 0.25);
  assert.ok(((await usage('sq8'))?.saturatedShare ?? 1) < 0.005);
  assert.ok(((await usage('sq8_stale'))?.saturatedShare ?? 0) > 0.01);
});

test('FAISS files named .index are recognised by their fourcc, not their extension', async () => {
  const { copyFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/vectorclinic-faiss-`);
  try {
    copyFileSync(fixturePath('flat_ip_unit'), `${dir}/vectors.index`);
    const source = await openSource(`${dir}/vectors.index`);
    assert.equal((await source.describe()).kind, 'faiss');
    await source.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
