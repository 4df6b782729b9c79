import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { rebuild } from '../../src/rebuild/index.js';
import { smoke } from '../../src/smoke/index.js';
import { loadDocs, runCli, snapshot } from '../stores/helpers.js';
import { brokenDuckdbStore, duckdbState, NAN_IDS, RAGGED_IDS, ROWS, ZERO_IDS } from './duckdb-store.js';
import { writeSelfQuestions } from './self-questions.js';

const BAD = ZERO_IDS.length + NAN_IDS.length + RAGGED_IDS.length;

describe('rebuild into DuckDB', { timeout: 600_000 }, () => {
  let dir: string;
  let file: string;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-duckdb-rebuild-'));
    file = join(dir, 'app.duckdb');
    url = `duckdb://${file}?table=docs`;
    await brokenDuckdbStore(file);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the plan names the one transaction and says there is no index to build, and writes nothing', async () => {
    const unchanged = snapshot(dir);
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'flat' });
    assert.equal(result.mode, 'plan');
    assert.equal(result.plan.engine, 'duckdb');
    const steps = result.plan.steps.join('\n');
    assert.match(steps, /ONE transaction/);
    assert.match(steps, /no vector index to build: DuckDB answers vector queries by exact scan/);
    assert.deepEqual(snapshot(dir), unchanged);
  });

  test('an ANN index or whitening is refused with exit 2, naming the flag', async () => {
    for (const [options, pattern] of [
      [{ index: 'hnsw' as const }, /DuckDB builds no hnsw index here/],
      [{ index: 'flat' as const, whiten: true }, /--whiten cannot be applied inside DuckDB/],
    ] as const) {
      await assert.rejects(rebuild({ source: url, out: url, metric: 'cosine', ...options }), (error: Error & { exitCode?: number }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, pattern);
        return true;
      });
    }
  });

  test('in place through the CLI: bad rows gone, FLOAT[128] unit vectors, other columns, constraints and indexes kept, manifest read back by check', async () => {
    const run = await runCli(['rebuild', url, '--out', url, '--metric', 'cosine', '--index', 'flat', '--apply', '--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { applied: { rejected: number; ntotal: number }; before: { verdict: string }; after: { verdict: string; findings: unknown[] } };
    assert.equal(result.before.verdict, 'fail');
    assert.equal(result.applied.rejected, BAD);
    assert.equal(result.applied.ntotal, ROWS - BAD);
    assert.equal(result.after.verdict, 'pass', JSON.stringify(result.after));
    const state = await duckdbState(file);
    assert.equal(state.rows, ROWS - BAD);
    assert.equal(state.type, 'FLOAT[128]');
    assert.equal(state.manifest, true);
    assert.equal(state.body, 'document 2');
    assert.deepEqual(state.indexes, ['CREATE INDEX docs_body ON docs(body);']);
    assert.ok(state.maxNormError < 1e-5, `max |norm − 1| = ${state.maxNormError}`);
    const report = await check(url, { sample: 1000 });
    assert.match(report.policy.declared.from ?? '', /comment on column docs\.embedding/);
    assert.equal(report.policy.declared.metric, 'cosine');
    // The primary key, NOT NULL and the default came back on the new table.
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    try {
      await assert.rejects(connection.run('INSERT INTO docs (id, embedding) VALUES (2, NULL)'), /Duplicate key "id: 2"|PRIMARY KEY|primary key/i);
      await connection.run('INSERT INTO docs (id) VALUES (100000)');
      const body = (await connection.runAndReadAll('SELECT body FROM docs WHERE id = 100000')).getRowObjectsJS()[0]?.body;
      assert.equal(body, 'none');
      await assert.rejects(connection.run('INSERT INTO docs (id, body) VALUES (100001, NULL)'), /NOT NULL/i);
      await connection.run('DELETE FROM docs WHERE id = 100000');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  test("smoke on the rebuilt table finds every document by its own vector, in the table's ids", async () => {
    const rows = await loadDocs(ROWS, false);
    const { questions, embedding, cleanup } = writeSelfQuestions(join(dir, 'self'), rows, [0, 1, 2, 10, 100, 298, 500, 599]);
    try {
      const answered = await smoke(url, { questions, embedding, all: true });
      assert.deepEqual(
        answered.perQuestion.map((question) => question.rank),
        Array(8).fill(1),
        JSON.stringify(answered.perQuestion),
      );
    } finally {
      cleanup();
    }
  });

  test('from a file into a new table (document ids, folded duplicates as aliases); an existing table is refused', async () => {
    const rows = await loadDocs(300, false);
    rows.data.fill(Number.NaN, 10 * rows.dim, 11 * rows.dim);
    rows.data.copyWithin(6 * rows.dim, 5 * rows.dim, 6 * rows.dim);
    const npy = join(dir, 'docs.npy');
    writeNpy(npy, rows.data, rows.count, rows.dim);
    const ids = join(dir, 'ids.jsonl');
    writeFileSync(ids, `${Array.from({ length: rows.count }, (_, r) => JSON.stringify({ id: `doc-${r}` })).join('\n')}\n`);
    const out = `duckdb://${file}?table=clean`;
    const result = await rebuild({ source: npy, out, metric: 'cosine', index: 'flat', ids, dedup: true, apply: true, checkBeforeAfter: false });
    assert.equal(result.applied?.ntotal, 298);
    const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const kept = (await connection.runAndReadAll("SELECT id, typeof(embedding) AS t, aliases FROM clean WHERE id = 'doc-5'")).getRowObjectsJson()[0];
      assert.deepEqual(kept, { id: 'doc-5', t: 'FLOAT[128]', aliases: ['doc-6'] });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    await assert.rejects(rebuild({ source: npy, out, metric: 'cosine', index: 'flat', apply: true, checkBeforeAfter: false }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /table clean already exists/);
      return true;
    });
  });
});
