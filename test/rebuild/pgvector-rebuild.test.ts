import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { rebuild } from '../../src/rebuild/index.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { smoke } from '../../src/smoke/index.js';
import { loadDocs, snapshot } from '../stores/helpers.js';
import { writeSelfQuestions } from './self-questions.js';
import { brokenPgliteStore, HNSW, ROWS, tableState, ZERO_ROWS } from './pgvector-store.js';

describe('rebuild into pgvector', { timeout: 600_000 }, () => {
  let dir: string;
  let store: string;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-pgvector-rebuild-'));
    store = join(dir, 'db');
    url = `pglite://${store}?table=items`;
    await brokenPgliteStore(store);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the plan names the transaction and the CREATE INDEX, and writes nothing', async () => {
    const before = snapshot(store);
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', hnsw: HNSW });
    assert.equal(result.mode, 'plan');
    assert.equal(result.plan.engine, 'pgvector');
    assert.equal(result.plan.guard.rejected, ZERO_ROWS.length);
    const steps = result.plan.steps.join('\n');
    assert.match(steps, /ONE transaction/);
    assert.match(steps, /USING hnsw \("embedding" vector_cosine_ops\) WITH \(m = 8, ef_construction = 40\)/);
    assert.deepEqual(snapshot(store), before);
  });

  test('in place: bad rows deleted, vectors normalized, payload kept, hnsw cosine index, manifest in the column comment', async () => {
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', hnsw: HNSW, apply: true });
    assert.equal(result.before?.verdict, 'fail');
    assert.ok(result.before?.findings.some((f) => f.code === 'zero-vectors'));
    assert.equal(result.applied?.rejected, ZERO_ROWS.length);
    assert.equal(result.applied?.ntotal, ROWS - ZERO_ROWS.length);
    assert.notEqual(result.after?.verdict, 'fail', JSON.stringify(result.after));
    const state = await tableState(store, 'items');
    assert.equal(state.rows, ROWS - ZERO_ROWS.length);
    assert.deepEqual(state.indexes, ["CREATE INDEX ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m='8', ef_construction='40')"]);
    assert.equal(state.manifest, true);
    assert.equal(state.payload, 'document 2');
    assert.ok(state.maxNormError < 1e-5, `max |norm − 1| = ${state.maxNormError}`);
    // check reads the manifest back as the declared policy.
    const report = await check(url, { sample: 1000 });
    assert.match(report.policy.declared.from ?? '', /comment on column public\.items\.embedding/);
    assert.equal(report.policy.declared.metric, 'cosine');
  });

  test('smoke on the rebuilt table runs at the hnsw.ef_search its manifest records, or at --search', async () => {
    const rows = await loadDocs(ROWS, false);
    const { questions, embedding, cleanup } = writeSelfQuestions(`${dir}-smoke`, rows, [0, 1, 2, 10, 100, 500, 899, 1000, 1100, 1199]);
    try {
      const recorded = await smoke(url, { questions, embedding, all: true });
      assert.match(recorded.method, /hnsw\.ef_search 128 as its manifest records/);
      assert.ok(recorded.recall.at1 >= 0.8, JSON.stringify(recorded.perQuestion.filter((q) => q.rank !== 1)));
      const chosen = await smoke(url, { questions, embedding, all: true, search: { 'hnsw.ef_search': 200 } });
      assert.match(chosen.method, /hnsw\.ef_search 200\)/);
      await assert.rejects(smoke(url, { questions, embedding, search: { ef: 20 } }), /unsupported search setting ef=20/);
    } finally {
      cleanup();
    }
  });

  test('from a file into a new table; an existing table is refused (exit 2)', async () => {
    const rows = await loadDocs(600, false);
    rows.data.fill(Number.NaN, 10 * rows.dim, 11 * rows.dim);
    const file = join(dir, 'docs.npy');
    writeNpy(file, rows.data, rows.count, rows.dim);
    const out = `pglite://${store}?table=clean`;
    const result = await rebuild({ source: file, out, metric: 'cosine', index: 'ivfflat', apply: true });
    assert.equal(result.applied?.ntotal, 599);
    const state = await tableState(store, 'clean');
    assert.equal(state.rows, 599);
    assert.deepEqual(state.indexes, ["CREATE INDEX ON public.clean USING ivfflat (embedding vector_cosine_ops) WITH (lists='1')"]);
    await assert.rejects(rebuild({ source: file, out, metric: 'cosine', index: 'hnsw', apply: true }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /table clean already exists/);
      return true;
    });
  });

  test('--dedup into a new table: a folded document is still found, through the aliases column', async () => {
    const rows = await loadDocs(600, false);
    rows.data.copyWithin(6 * rows.dim, 5 * rows.dim, 6 * rows.dim);
    const file = join(dir, 'dup.npy');
    const ids = join(dir, 'dup-ids.jsonl');
    writeNpy(file, rows.data, rows.count, rows.dim);
    writeFileSync(ids, Array.from({ length: rows.count }, (_, r) => JSON.stringify({ id: String(r + 1) })).join('\n') + '\n');
    const out = `pglite://${store}?table=deduped`;
    const result = await rebuild({ source: file, out, metric: 'cosine', index: 'hnsw', hnsw: HNSW, ids, dedup: true, apply: true, checkBeforeAfter: false });
    assert.equal(result.applied?.ntotal, 599);
    const { questions, embedding, cleanup } = writeSelfQuestions(`${dir}-dedup`, rows, [5, 6]);
    try {
      const answered = await smoke(out, { questions, embedding, all: true });
      assert.deepEqual(
        answered.perQuestion.map((q) => q.rank),
        [1, 1],
        JSON.stringify(answered.perQuestion),
      );
    } finally {
      cleanup();
    }
  });

  test('usage errors name the flag: no PQ in pgvector, no whitening inside a store', async () => {
    await assert.rejects(rebuild({ source: url, out: url, metric: 'cosine', index: 'ivfpq' }), /pgvector cannot build a ivfpq index/);
    await assert.rejects(rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', whiten: true }), /--whiten cannot be applied inside pgvector/);
  });
});

describe('rebuild over the Postgres wire protocol (PGlite served by pglite-socket)', { timeout: 300_000 }, () => {
  test('postgres://…?table=items rebuilt in place through node-postgres', async (t) => {
    const db = await PGlite.create({ extensions: { vector } });
    await buildPgvectorStore(db, { table: 'items', vectors: await loadDocs(800, false), index: { method: 'hnsw', opclass: 'vector_l2_ops' } });
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
    await server.start();
    t.after(async () => {
      await server.stop();
      await db.close();
    });
    const url = `postgres://postgres@${server.getServerConn()}/postgres?table=items`;
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', hnsw: HNSW, apply: true, checkBeforeAfter: false });
    assert.equal(result.applied?.ntotal, 800);
    const indexes = (await db.query<{ d: string }>("SELECT substring(indexdef from 'USING .*') AS d FROM pg_indexes WHERE tablename = 'items' AND indexdef ~ 'hnsw'")).rows.map((r) => r.d);
    assert.deepEqual(indexes, ["USING hnsw (embedding vector_cosine_ops) WITH (m='8', ef_construction='40')"]);
    const norms = (await db.query<{ e: number }>('SELECT max(abs(vector_norm(embedding) - 1))::float8 AS e FROM items')).rows[0]?.e ?? 1;
    assert.ok(norms < 1e-5);
  });
});
