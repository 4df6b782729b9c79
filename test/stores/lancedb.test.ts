import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int64, Schema } from 'apache-arrow';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { openSource } from '../../src/sources/open-source.js';
import { openLancedb } from '../../src/sources/stores/lancedb/connector.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { loadDocs, problems, snapshot } from './helpers.js';

const ROWS = 3000;
const DIM = 128;
const OPTIONS = { metric: 'cosine', dim: DIM, sample: 1000 } as const;
const SCHEMA = new Schema([new Field('id', new Int64(), false), new Field('vector', new FixedSizeList(DIM, new Field('item', new Float32(), true)), true)]);

function rowsOf(vectors: VectorRows, from: number, to: number, nulls: ReadonlySet<number> = new Set()): { id: bigint; vector: number[] | null }[] {
  return Array.from({ length: to - from }, (_, k) => {
    const row = from + k;
    return { id: BigInt(row + 1), vector: nulls.has(row) ? null : Array.from(vectors.data.subarray(row * DIM, (row + 1) * DIM)) };
  });
}

describe('LanceDB tables checked in place', { timeout: 300_000 }, () => {
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-lancedb-'));
    const unit = await loadDocs(ROWS, true);
    const raw = await loadDocs(ROWS, false);
    const db = await lancedb.connect(dir);
    const create = async (name: string, rows: ReturnType<typeof rowsOf>, index: lancedb.Index): Promise<lancedb.Table> => {
      const table = await db.createTable(name, rows, { schema: SCHEMA });
      await table.createIndex('vector', { config: index });
      return table;
    };
    (await create('clean', rowsOf(unit, 0, ROWS), lancedb.Index.ivfFlat({ numPartitions: 16, distanceType: 'cosine' }))).close();
    // A cosine model stored raw behind a dot-product index.
    (await create('raw_dot', rowsOf(raw, 0, ROWS), lancedb.Index.ivfFlat({ numPartitions: 16, distanceType: 'dot' }))).close();
    // Product quantization without re-ranking: recall lost to compression, recovered by refineFactor.
    (await create('pq', rowsOf(unit, 0, ROWS), lancedb.Index.ivfPq({ numPartitions: 16, numSubVectors: 8, distanceType: 'cosine' }))).close();
    // An HNSW sub-index searched at LanceDB's default ef (1.5 × limit).
    (await create('hnsw', rowsOf(unit, 0, ROWS), lancedb.Index.hnswSq({ numPartitions: 1, m: 8, efConstruction: 40, distanceType: 'cosine' }))).close();
    // Indexed after the first 256 rows; the rest appended later (three without an embedding) and never indexed.
    const late = await create('late', rowsOf(unit, 0, 256), lancedb.Index.ivfFlat({ numPartitions: 4, distanceType: 'cosine' }));
    await late.add(rowsOf(unit, 256, ROWS, new Set([300, 301, 302])));
    late.close();
    // Half the rows deleted after indexing, never compacted: deletion files beside the data and the index.
    const deleted = await create('deleted', rowsOf(unit, 0, ROWS), lancedb.Index.ivfFlat({ numPartitions: 16, distanceType: 'cosine' }));
    await deleted.delete(`id > ${ROWS / 2}`);
    deleted.close();
    // A tenant column (1%, 9%, 90%) under IVF lists: 64 lists searched at LanceDB's default nprobes 20 miss a small tenant's rows; 8 lists do not.
    const tenants = rowsOf(unit, 0, ROWS).map((row) => ({ ...row, tenant: Number(row.id) % 100 === 0 ? 1 : Number(row.id) % 10 === 0 ? 2 : 3 }));
    for (const [name, lists] of [
      ['tenants_wide', 64],
      ['tenants_narrow', 8],
    ] as const) {
      const table = await db.createTable(name, tenants);
      await table.createIndex('vector', { config: lancedb.Index.ivfFlat({ numPartitions: lists, distanceType: 'cosine' }) });
      table.close();
    }
    db.close();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('deleted-rows: rows in deletion files are counted from the version metadata; searches still come back whole, so info only', async () => {
    const report = await check(`lancedb://${dir}/deleted`, OPTIONS);
    const found = report.findings.find((finding) => finding.code === 'deleted-rows');
    assert.ok(found, 'deleted-rows raised');
    assert.equal(found.severity, 'info');
    assert.equal(found.evidence.deletedRows, ROWS / 2);
    assert.equal(found.evidence.liveRows, ROWS / 2);
    assert.equal((found.evidence.search as { shortQueries: number }).shortQueries, 0);
    assert.match(found.fix, /optimize\(\)/);
    const clean = await check(`lancedb://${dir}/clean`, OPTIONS);
    assert.equal(clean.checks.find((outcome) => outcome.code === 'deleted-rows')?.result, 'passed');
  });

  test('filtered-recall: a 1% tenant under 64 IVF lists loses rows at the default nprobes, and nprobes is the parameter fix; 8 lists are clean', async () => {
    const report = await check(`lancedb://${dir}/tenants_wide`, { ...OPTIONS, filter: ['tenant = 1'] });
    const found = report.findings.find((finding) => finding.code === 'filtered-recall');
    assert.ok(found, 'filtered-recall raised');
    const [small] = found.evidence.filters as { recallAt10: number; remedies: { setting: string; recallAt10: number; shortQueries: number }[] }[];
    assert.ok(small!.recallAt10 < 0.9, JSON.stringify(small));
    assert.ok(small!.remedies.find((remedy) => remedy.setting === '.postfilter() (for comparison: filter after the vector search)')!.recallAt10 < small!.recallAt10);
    assert.match(found.fix, /A parameter fix: \.nprobes\(\d+\)/);
    const clean = await check(`lancedb://${dir}/tenants_narrow`, OPTIONS);
    const outcome = clean.checks.find((candidate) => candidate.code === 'filtered-recall');
    assert.equal(outcome?.result, 'passed', JSON.stringify(clean.findings.find((finding) => finding.code === 'filtered-recall')?.message));
  });

  test('a clean table reports nothing at warn or fail, and no file changes (so no new table version)', async () => {
    const filesBefore = snapshot(dir);
    const report = await check(`lancedb://${dir}/clean`, OPTIONS);
    assert.deepEqual(problems(report), {});
    assert.equal(report.kind, 'lancedb');
    assert.equal(report.stats.rows, ROWS);
    assert.deepEqual(snapshot(dir), filesBefore, 'no file written, renamed or touched');
  });

  test('IVF partition sizes come from the index file and add up to the indexed rows', async () => {
    const source = await openSource(`lancedb://${dir}/clean`);
    try {
      const index = (await source.describe()).index;
      assert.equal(index?.ivf?.nlist, 16);
      assert.equal(
        Array.from(index?.ivf?.listSizes ?? []).reduce((a, b) => a + b, 0),
        ROWS,
      );
      assert.equal(index?.ivf?.centroids?.length, 16 * DIM);
      assert.equal(index?.metric, 'cosine');
    } finally {
      await source.close();
    }
  });

  test('dot-product index over unnormalized vectors of a cosine model: metric-mismatch fails', async () => {
    const report = await check(`lancedb://${dir}/raw_dot`, OPTIONS);
    assert.equal(problems(report)['metric-mismatch'], 'fail');
    assert.equal(report.findings.find((f) => f.code === 'metric-mismatch')?.evidence.indexMetric, 'ip');
  });

  test('IVF_PQ probing every partition: ann-recall sweeps refineFactor and finds the parameter fix', async () => {
    const report = await check(`lancedb://${dir}/pq`, OPTIONS);
    const finding = report.findings.find((f) => f.code === 'ann-recall');
    assert.ok(finding, 'PQ-compressed distances lose neighbours');
    // LanceDB stores no query settings: refineFactor 1 is an assumption, stated but not warned on.
    assert.equal(finding.severity, 'info');
    assert.deepEqual(finding.evidence.parameter, { name: 'refineFactor', current: 1, from: 'default' });
    const sweep = finding.evidence.sweep as { value: number; recall: number }[];
    assert.ok(Math.max(...sweep.map((point) => point.recall)) >= (finding.evidence.recallAt10 as number) + 0.05, 'refining recovers recall');
    assert.match(finding.fix, /set refineFactor to at least/);

    // Told the application's setting, the check gates on it.
    const gated = await check(`lancedb://${dir}/pq`, { ...OPTIONS, search: { refineFactor: 1 } });
    const gate = gated.findings.find((f) => f.code === 'ann-recall');
    assert.ok(gate?.severity === 'warn' || gate?.severity === 'fail', gate?.severity);
    assert.match(gate!.fix, /^Set refineFactor to at least \d+/);
  });

  test("IVF_HNSW_SQ: ann-recall sweeps ef from LanceDB's default (1.5 × k), not nprobes or refineFactor", async () => {
    const report = await check(`lancedb://${dir}/hnsw`, OPTIONS);
    const curve = report.plots?.recallCurves?.find((c) => c.source === 'ann-audit');
    assert.equal(curve?.x, 'ef', JSON.stringify(curve));
    assert.deepEqual(
      curve?.points.map((point) => point.x),
      [15, 60, 150, 375],
    );
    const [atDefault, ...wider] = curve!.points.map((point) => point.recall);
    assert.ok(Math.max(...wider) >= atDefault!, 'a wider beam never loses neighbours');
    assert.match(report.notes.join('\n'), /ef 1\.5 × k and nprobes 20/);
  });

  test('an index trained on the first 256 rows, the rest appended and unindexed: empty-index warns (No.14, No.16)', async () => {
    const report = await check(`lancedb://${dir}/late`, OPTIONS);
    assert.equal(problems(report)['empty-index'], 'warn');
    const finding = report.findings.find((f) => f.code === 'empty-index');
    assert.deepEqual(finding?.labels, ['No.8', 'No.14', 'No.16']);
    assert.equal(finding?.evidence.rowsAtBuild, 256);
    assert.equal(finding?.evidence.unindexedRows, ROWS - 256);
    assert.equal(finding?.evidence.nullRows, 3);
    assert.match(finding?.fix ?? '', /createIndex\(<column>, \{ replace: true \}\)/);
  });

  test('one scan with row ids gives the same exact neighbours as bypassVectorIndex() per query', async () => {
    const queries = (await loadDocs(40, false)).data;
    for (const table of ['clean', 'raw_dot']) {
      const scanned = await openLancedb(`lancedb://${dir}/${table}`, {}, { engineExactMaxRows: 0 });
      const flat = await openLancedb(`lancedb://${dir}/${table}`, {}, { engineExactMaxRows: Number.POSITIVE_INFINITY });
      try {
        const request = { queries, count: 40, k: 10, exact: true };
        const fromScan = await scanned.search!.query(request);
        const fromFlat = await flat.search!.query(request);
        assert.match(fromScan.method ?? '', /one scan of \w+\.vector with row ids/);
        assert.match(fromFlat.method ?? '', /bypassVectorIndex/);
        let identical = 0;
        fromScan.ids.forEach((ids, q) => {
          const theirs = fromFlat.ids[q]!.map(String);
          // Lists may differ only at the boundary, where float rounding decides between near-equal distances.
          assert.ok(ids.filter((id) => theirs.includes(String(id))).length >= 9, `${table} query ${q}: ${ids.join()} vs ${theirs.join()}`);
          if (ids.map(String).join() === theirs.join()) identical++;
        });
        assert.ok(identical >= 36, `${table}: ${identical} of 40 lists identical`);
      } finally {
        await scanned.close();
        await flat.close();
      }
    }
  });

  test('a missing table or directory: exit 2, and nothing is created on disk', async () => {
    await assert.rejects(check(`lancedb://${dir}/nope`), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /no table 'nope'/);
      assert.match(error.hint ?? '', /clean, late, pq, raw_dot|tables here: .*clean/);
      return true;
    });
    const missing = join(dir, 'missing-db');
    await assert.rejects(check(`lancedb://${missing}/docs`), /no LanceDB database directory/);
    assert.equal(existsSync(missing), false);
  });
});
