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
import { writeSelfQuestions } from './self-questions.js';
import { brokenSqliteStore, ROWS, sqliteTableState, ZERO_ROWS } from './sqlite-store.js';

const HNSW = { M: 8, efConstruction: 40 };
const REJECTED = ZERO_ROWS.length + 1;
/** Rows of the raw half (stored unnormalized, asked for with the model's unit vectors). */
const ASKED = [600, 650, 700, 750, 800, 850, 900, 950, 1000, 1050, 1100, 1150];

describe('rebuild into SQLite (sqlite://)', { timeout: 600_000 }, () => {
  let dir: string;
  let file: string;
  const url = (table: string, extra = ''): string => `sqlite://${file}?table=${table}${extra}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-sqlite-rebuild-'));
    file = join(dir, 'app.db');
    await brokenSqliteStore(file);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the plan names the write transaction and the libsql index, and writes nothing', async () => {
    const untouched = snapshot(dir);
    const result = await rebuild({ source: url('docs'), out: url('docs'), metric: 'cosine', index: 'hnsw', hnsw: HNSW });
    assert.equal(result.mode, 'plan');
    assert.equal(result.plan.engine, 'sqlite');
    assert.equal(result.plan.guard.rejected, REJECTED);
    const steps = result.plan.steps.join('\n');
    assert.match(steps, /ONE write transaction/);
    assert.match(steps, /libsql_vector_idx\(column, 'metric=cosine', 'max_neighbors=16', 'insert_l=40'\)/);
    assert.deepEqual(snapshot(dir), untouched);
  });

  test('vec0 in place: bad rows deleted, vectors normalized, declared again with distance_metric=cosine, payload kept; smoke recall back', async () => {
    const rows = await loadDocs(ROWS, true);
    const { questions, embedding, cleanup } = writeSelfQuestions(join(dir, 'items'), rows, ASKED);
    try {
      const broken = await smoke(url('items'), { questions, embedding, all: true });
      const result = await rebuild({ source: url('items'), out: url('items'), metric: 'cosine', index: 'flat', apply: true });
      assert.equal(result.before?.verdict, 'fail');
      assert.ok(result.before?.findings.some((f) => f.code === 'metric-mismatch'));
      assert.equal(result.applied?.rejected, REJECTED);
      assert.equal(result.after?.verdict, 'pass', JSON.stringify(result.after));
      const state = sqliteTableState(file, 'items');
      assert.equal(state.rows, ROWS - REJECTED);
      assert.deepEqual(state.schema, ['CREATE VIRTUAL TABLE items USING vec0(id integer primary key, embedding float[128] distance_metric=cosine, +content text)']);
      assert.equal(state.payload, 'document 2');
      assert.equal(state.manifest, true);
      assert.ok(state.maxNormError < 1e-5, `max |norm − 1| = ${state.maxNormError}`);
      const rebuilt = await smoke(url('items'), { questions, embedding, all: true });
      assert.ok(broken.recall.at1 < 0.9, `before: ${JSON.stringify(broken.recall)}`);
      assert.equal(rebuilt.recall.at1, 1, JSON.stringify(rebuilt.perQuestion));
      // check reads the manifest back as the declared policy.
      const report = await check(url('items'), { sample: 1000 });
      assert.match(report.policy.declared.from ?? '', /vectorclinic_manifest row \(items, embedding\)/);
      assert.equal(report.policy.declared.metric, 'cosine');
      assert.equal(report.verdict, 'pass');
    } finally {
      cleanup();
    }
  });

  test('F32_BLOB in place: the l2 index built before the data becomes a cosine libsql_vector_idx; smoke through it finds the documents', async () => {
    const rows = await loadDocs(ROWS, true);
    const { questions, embedding, cleanup } = writeSelfQuestions(join(dir, 'docs'), rows, ASKED);
    try {
      const broken = await smoke(url('docs'), { questions, embedding, all: true });
      const result = await rebuild({ source: url('docs'), out: url('docs'), metric: 'cosine', index: 'hnsw', hnsw: HNSW, apply: true });
      assert.equal(result.applied?.ntotal, ROWS - REJECTED);
      assert.equal(result.after?.verdict, 'pass', JSON.stringify(result.after));
      const state = sqliteTableState(file, 'docs');
      assert.deepEqual(state.schema, [
        `CREATE INDEX "docs_embedding_idx" ON "docs"(libsql_vector_idx("embedding", 'metric=cosine', 'max_neighbors=16', 'insert_l=40'))`,
        'CREATE TABLE "docs" (id INTEGER PRIMARY KEY, "embedding" F32_BLOB(128), content TEXT)',
      ]);
      assert.equal(state.payload, 'document 2');
      const rebuilt = await smoke(url('docs'), { questions, embedding, all: true });
      assert.ok(broken.recall.at1 < 0.9, `before: ${JSON.stringify(broken.recall)}`);
      assert.ok(rebuilt.recall.at1 >= 0.9, JSON.stringify(rebuilt.perQuestion));
    } finally {
      cleanup();
    }
  });

  test('from a file into new tables (vec0, F32_BLOB + index, BLOB) through the CLI; an existing table is refused (exit 2)', async () => {
    const rows = await loadDocs(600, false);
    rows.data.fill(Number.NaN, 10 * rows.dim, 11 * rows.dim);
    const npy = join(dir, 'docs.npy');
    writeNpy(npy, rows.data, rows.count, rows.dim);
    for (const [table, layout, index] of [
      ['fresh_vec0', 'vec0', 'flat'],
      ['fresh_f32', 'f32_blob', 'hnsw'],
      ['fresh_blob', 'blob', 'flat'],
    ] as const) {
      const run = await runCli(['rebuild', npy, '--out', url(table, `&layout=${layout}`), '--metric', 'cosine', '--index', index, '--m', '8', '--apply', '--format', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      assert.equal(result.applied.ntotal, 599);
      assert.equal(result.after.verdict, 'pass', run.stdout);
      const state = sqliteTableState(file, table);
      assert.equal(state.rows, 599);
      assert.equal(state.manifest, true);
    }
    assert.match(sqliteTableState(file, 'fresh_vec0').schema[0] ?? '', /USING vec0\(id integer primary key, embedding float\[128\] distance_metric=cosine\)/);
    const refused = await runCli(['rebuild', npy, '--out', url('fresh_f32'), '--metric', 'cosine', '--index', 'hnsw', '--apply']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /table fresh_f32 already exists/);
  });

  test('--dedup into a new table: a folded document is still found, through the aliases column', async () => {
    const rows = await loadDocs(600, false);
    rows.data.copyWithin(6 * rows.dim, 5 * rows.dim, 6 * rows.dim);
    const npy = join(dir, 'dup.npy');
    const ids = join(dir, 'dup-ids.jsonl');
    writeNpy(npy, rows.data, rows.count, rows.dim);
    writeFileSync(ids, Array.from({ length: rows.count }, (_, r) => JSON.stringify({ id: String(r + 1) })).join('\n') + '\n');
    // Text ids (from --ids): vec0 answers in its declared key; libsql's index answers in rowids, mapped to the TEXT key.
    for (const [layout, index] of [
      ['vec0', 'flat'],
      ['f32_blob', 'hnsw'],
    ] as const) {
      const out = url(`deduped_${layout}`, `&layout=${layout}`);
      const result = await rebuild({ source: npy, out, metric: 'cosine', index, hnsw: HNSW, ids, dedup: true, apply: true, checkBeforeAfter: false });
      assert.equal(result.applied?.ntotal, 599);
      const { questions, embedding, cleanup } = writeSelfQuestions(join(dir, `dedup-${layout}`), rows, [5, 6]);
      try {
        const answered = await smoke(url(`deduped_${layout}`), { questions, embedding, all: true });
        assert.deepEqual(
          answered.perQuestion.map((q) => q.rank),
          [1, 1],
          `${layout}: ${JSON.stringify(answered.perQuestion)}`,
        );
      } finally {
        cleanup();
      }
    }
  });

  test('a new database file is created for a new table', async () => {
    const rows = await loadDocs(300, true);
    const npy = join(dir, 'small.npy');
    writeNpy(npy, rows.data, rows.count, rows.dim);
    const fresh = join(dir, 'new.db');
    const result = await rebuild({ source: npy, out: `sqlite://${fresh}?table=items`, metric: 'l2', index: 'flat', apply: true, checkBeforeAfter: false });
    assert.equal(result.applied?.ntotal, 300);
    assert.equal(sqliteTableState(fresh, 'items').rows, 300);
  });

  test('usage errors name what SQLite cannot do: PQ, an ANN index on vec0, inner product in vec0, whitening', async () => {
    await assert.rejects(rebuild({ source: url('blobs'), out: url('blobs'), metric: 'cosine', index: 'ivfpq', apply: true }), /SQLite cannot build a ivfpq index/);
    await assert.rejects(rebuild({ source: url('items'), out: url('items'), metric: 'cosine', index: 'hnsw', apply: true }), /a vec0 table has no ANN index/);
    await assert.rejects(rebuild({ source: url('blobs'), out: url('ip_vec0', '&layout=vec0'), metric: 'ip', index: 'flat', apply: true }), /sqlite-vec's vec0 cannot rank by ip/);
    await assert.rejects(rebuild({ source: url('blobs'), out: url('blobs'), metric: 'cosine', index: 'flat', whiten: true }), /--whiten cannot be applied inside SQLite/);
    await assert.rejects(rebuild({ source: url('blobs'), out: url('other', '&layout=hnsw'), metric: 'cosine', index: 'flat' }), /unknown layout 'hnsw'/);
  });
});
