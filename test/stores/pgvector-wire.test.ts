import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { openPgvector } from '../../src/sources/stores/pgvector/connector.js';
import { pgliteSession } from '../../src/engines/pgvector/pglite-session.js';
import { closedPort, loadDocs, problems, runCli } from './helpers.js';

/** 2,000 rows keep each HNSW build near a second and each check a few seconds on a shared 2-core box. */
const ROWS = 2000;
const DIM = 128;
const PASSWORD = 'pw-never-printed-7f3a';
/** Checks' own neighbour searches grow with the sample; 1,000 rows decide every case here. */
const OPTIONS = { metric: 'cosine', dim: DIM, sample: 1000 } as const;

describe('pgvector through the Postgres wire protocol (PGlite served by pglite-socket)', { timeout: 300_000 }, () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let url: (table: string, extra?: string) => string;

  before(async () => {
    const unit = await loadDocs(ROWS, true);
    const raw = await loadDocs(ROWS, false);
    db = await PGlite.create({ extensions: { vector } });
    await buildPgvectorStore(db, { table: 'clean', vectors: unit, index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
    // A cosine model stored without normalization behind an inner-product index.
    await buildPgvectorStore(db, { table: 'raw_ip', vectors: raw, index: { method: 'hnsw', opclass: 'vector_ip_ops' } });
    // Unit vectors, but an L2 index: queries by <=> cannot use it.
    await buildPgvectorStore(db, { table: 'l2_index', vectors: unit, index: { method: 'hnsw', opclass: 'vector_l2_ops' } });
    // A second writer appended its rows without normalizing them.
    const mixed = unit.data.slice();
    mixed.set(raw.data.subarray(1200 * DIM), 1200 * DIM);
    await buildPgvectorStore(db, { table: 'mixed', vectors: { ...unit, data: mixed }, index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
    // Failed embeddings written as zeros, and two rows never embedded.
    const zeros = unit.data.slice();
    for (const row of [5, 77, 1500]) zeros.fill(0, row * DIM, (row + 1) * DIM);
    await buildPgvectorStore(db, { table: 'zeros', vectors: { ...unit, data: zeros }, nullRows: [9, 10], index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
    // The classic pitfall: the ivfflat index created on the empty table, the rows loaded afterwards.
    const empty = await buildPgvectorStore(db, {
      table: 'ivf_before_data',
      vectors: unit,
      index: { method: 'ivfflat', opclass: 'vector_cosine_ops', options: { lists: 40 }, buildBeforeData: true },
    });
    assert.deepEqual(empty.notices, ['ivfflat index created with little data']);
    // Chunks of documents: the application's doc_id repeats (re-ingested without upsert) and so do vectors.
    await db.exec(`CREATE TABLE chunks (chunk_id bigint PRIMARY KEY, doc_id text, embedding vector(${DIM}));
      INSERT INTO chunks SELECT id, 'doc-' || (id % 150), embedding FROM clean WHERE id <= 200;
      INSERT INTO chunks SELECT id + 1000, 'doc-' || id, embedding FROM clean WHERE id <= 30;`);
    // An unconstrained vector column that a second model wrote 96-dimensional rows into.
    await db.exec(`CREATE TABLE ragged (id bigint PRIMARY KEY, embedding vector);
      INSERT INTO ragged SELECT id, embedding FROM clean WHERE id <= 300;
      INSERT INTO ragged SELECT id + 1000, subvector(embedding, 1, 96) FROM clean WHERE id <= 20;`);
    // The same clean vectors stored as sparsevec behind a sparse HNSW index.
    await db.exec(`CREATE TABLE sparse (id bigint PRIMARY KEY, embedding sparsevec(${DIM}));
      INSERT INTO sparse SELECT id, embedding::sparsevec FROM clean;
      CREATE INDEX ON sparse USING hnsw (embedding sparsevec_cosine_ops);`);
    await db.exec('CREATE ROLE no_access NOLOGIN');
    server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
    await server.start();
    const address = server.getServerConn();
    url = (table, extra = '') => `postgres://postgres:${PASSWORD}@${address}/postgres?table=${table}${extra}`;
  });

  after(async () => {
    await server?.stop();
    await db?.close();
  });

  test('a clean store reports nothing at warn or fail, and the check writes nothing', async () => {
    const fingerprint = async (): Promise<unknown> => (await db.query(`SELECT pg_current_wal_lsn()::text AS lsn, md5(string_agg(id::text || embedding::text, ',' ORDER BY id)) AS rows FROM clean`)).rows[0];
    const before = await fingerprint();
    const report = await check(url('clean'), OPTIONS);
    assert.deepEqual(problems(report), {});
    assert.equal(report.verdict, 'pass');
    assert.equal(report.stats.rows, ROWS);
    assert.equal(report.kind, 'pgvector');
    assert.ok(report.notes.includes('searches use index clean_embedding_hnsw (hnsw, vector_cosine_ops)'));
    assert.deepEqual(await fingerprint(), before, 'WAL position and table contents unchanged');
    assert.ok(!JSON.stringify(report).includes(PASSWORD), 'the password never reaches the report');
    assert.ok(report.target.includes('postgres:***@'));
  });

  test('a sparsevec column is read densely and searched through its sparse index', async () => {
    const report = await check(url('sparse'), OPTIONS);
    assert.deepEqual(problems(report), {});
    assert.equal(report.stats.rows, ROWS);
    assert.equal(report.checks.find((outcome) => outcome.code === 'ann-recall')?.status, 'pass');
    assert.ok(report.notes.some((note) => note.includes('sparsevec_cosine_ops')));
  });

  test('the session cannot write: every transaction is read-only', async () => {
    const session = await pgliteSession(db);
    try {
      await assert.rejects(session.query('INSERT INTO clean (id) VALUES (999999)'), /read-only transaction/);
    } finally {
      await session.close();
    }
  });

  test('inner-product index over unnormalized vectors of a cosine model: metric-mismatch fails', async () => {
    const report = await check(url('raw_ip'), OPTIONS);
    assert.deepEqual(problems(report), { 'metric-mismatch': 'fail' });
    const finding = report.findings.find((f) => f.code === 'metric-mismatch');
    assert.equal(finding?.evidence.indexMetric, 'ip');
    assert.ok((finding?.evidence.agreementAt10 as number) < 0.5);
  });

  test('an L2 index while the model is cosine: EXPLAIN shows <=> queries bypass it', async () => {
    const report = await check(url('l2_index'), OPTIONS);
    assert.deepEqual(problems(report), { 'metric-mismatch': 'warn' });
    const evidence = report.findings.find((f) => f.code === 'metric-mismatch')?.evidence;
    assert.equal(evidence?.queryOperator, '<=>');
    assert.equal(evidence?.indexOperator, '<->');
    assert.match(String(evidence?.queryPlan), /Seq Scan on l2_index/);
  });

  test('unnormalized rows appended by a second writer: mixed-norm-shards fails and locates them', async () => {
    const report = await check(url('mixed'), OPTIONS);
    assert.deepEqual(problems(report), { 'mixed-norm-shards': 'fail' });
    const starts = report.findings.find((f) => f.code === 'mixed-norm-shards')?.evidence.regimeStarts as { regime: string; start: number }[];
    assert.deepEqual(
      starts.map((s) => s.regime),
      ['unit', 'raw'],
    );
    assert.ok(Math.abs((starts[1]?.start ?? 0) - 1200) <= 10, `raw rows start near row 1200, got ${starts[1]?.start}`);
  });

  test('zero and NULL vectors are counted exactly by the store and named by primary key', async () => {
    const report = await check(url('zeros'), OPTIONS);
    assert.deepEqual(problems(report), { 'zero-vectors': 'fail', 'empty-index': 'warn' });
    const zero = report.findings.find((f) => f.code === 'zero-vectors')?.evidence;
    assert.equal(zero?.count, 3);
    assert.equal(zero?.scope, 'store');
    assert.deepEqual(zero?.firstIds, ['6', '78', '1501']);
    assert.equal(report.findings.find((f) => f.code === 'empty-index')?.evidence.nullRows, 2);
    assert.equal(report.stats.rows, ROWS - 2);
  });

  test('ivfflat created on the empty table: empty-index fails with No.14 and No.16', async () => {
    const report = await check(url('ivf_before_data'), OPTIONS);
    const found = problems(report);
    assert.equal(found['empty-index'], 'fail');
    // Recall depends on pgvector's random centres; it may or may not fall below the bar.
    assert.deepEqual(
      Object.keys(found).filter((code) => code !== 'ann-recall'),
      ['empty-index'],
    );
    const finding = report.findings.find((f) => f.code === 'empty-index');
    assert.deepEqual(finding?.labels, ['No.8', 'No.14', 'No.16']);
    assert.equal(finding?.evidence.rowsAtBuild, 0);
    assert.equal(finding?.evidence.rowsAfterBuild, ROWS);
    assert.ok((finding?.evidence.listImbalance as number) > 2, 'random centres leave the lists uneven');
  });

  test('hnsw.ef_search below the LIMIT: ann-recall fails and the sweep shows a parameter fix', async () => {
    // What an operator's ALTER ROLE/DATABASE ... SET hnsw.ef_search would give every session.
    await db.query("SELECT set_config('hnsw.ef_search', '4', false)");
    try {
      const report = await check(url('clean'), OPTIONS);
      // At ef_search 4 some rows may also be unreachable for their own vector: pgvector draws each
      // build's graph levels at random, so whether that share clears its warning line varies by build.
      const { 'unreachable-rows': unreachable, ...others } = problems(report);
      assert.deepEqual(others, { 'ann-recall': 'fail' });
      assert.ok(unreachable === undefined || unreachable === 'warn', `unreachable-rows: ${unreachable}`);
      const finding = report.findings.find((f) => f.code === 'ann-recall');
      assert.deepEqual(finding?.evidence.parameter, { name: 'hnsw.ef_search', current: 4, from: 'index' });
      assert.ok((finding?.evidence.recallAt10 as number) <= 0.4, 'at most ef_search results come back');
      assert.match(finding?.fix ?? '', /Set hnsw\.ef_search to at least/);
    } finally {
      await db.query("SELECT set_config('hnsw.ef_search', '40', false)");
    }
  });

  test('an unconstrained column holding two dimensions: dimension-mismatch fails on the sampled rows', async () => {
    const report = await check(url('ragged'), OPTIONS);
    assert.deepEqual(problems(report), { 'dimension-mismatch': 'fail' });
    const evidence = report.findings.find((f) => f.code === 'dimension-mismatch')?.evidence;
    assert.equal(evidence?.raggedRows, 20);
    assert.deepEqual(evidence?.raggedLengths, { 96: 20 });
  });

  test('duplicate ids and duplicate vectors are counted by the store', async () => {
    const source = await openPgvector(await pgliteSession(db), { table: 'chunks', idColumn: 'doc_id' }, 'pglite:chunks');
    try {
      const pushdown = await source.pushdownStats();
      // 200 chunks over 150 doc ids, then 30 more reusing ids doc-1..doc-30 and copying vectors 1..30.
      assert.equal(pushdown?.duplicateIdRows, 80);
      assert.equal(pushdown?.duplicateVectorRows, 30);
      assert.equal(pushdown?.idColumn, 'doc_id');
      assert.equal(pushdown?.duplicateIdExamples?.length, 5);
    } finally {
      await source.close();
    }
  });

  test('missing table, missing column and permission denied: exit 2 naming the store, password redacted', async () => {
    await assert.rejects(check(url('nope')), (error: Error & { exitCode?: number; where?: string; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /no vector column in table nope/);
      assert.match(error.hint ?? '', /public\.clean\(embedding vector\)/);
      assert.ok(!error.where?.includes(PASSWORD) && error.where?.includes('***'));
      return true;
    });
    await assert.rejects(check(url('clean', '&column=missing')), /no vector column missing in table clean/);
    await db.query('SET ROLE no_access');
    try {
      await assert.rejects(check(url('clean')), (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /permission denied for table clean/);
        assert.match(error.hint ?? '', /GRANT SELECT/);
        return true;
      });
    } finally {
      await db.query('RESET ROLE');
    }
    const cli = await runCli(['check', url('nope'), '--metric', 'cosine']);
    assert.equal(cli.code, 2);
    assert.ok(!cli.stderr.includes(PASSWORD) && !cli.stdout.includes(PASSWORD));
    assert.match(cli.stderr, /^vectorclinic: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\?table=nope: no vector column in table nope/);
    assert.ok(!/\n\s+at /.test(cli.stderr), 'no stack trace');
  });

  test('a server that is not there: exit 2, one line, password redacted', async () => {
    const port = await closedPort();
    const cli = await runCli(['check', `postgresql://app:${PASSWORD}@127.0.0.1:${port}/docs?table=chunks`]);
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr.split('\n')[0], `vectorclinic: postgresql://app:***@127.0.0.1:${port}/docs?table=chunks: cannot connect to 127.0.0.1:${port}/docs as app: connection refused`);
    assert.ok(!cli.stderr.includes(PASSWORD));
  });
});
