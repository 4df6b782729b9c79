import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { rebuild } from '../../src/rebuild/index.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { smoke } from '../../src/smoke/index.js';
import { writeSelfQuestions } from './self-questions.js';
import { loadDocs, snapshot } from '../stores/helpers.js';
import { brokenLanceTable, LANCE_BAD_ROWS, LANCE_ROWS, lanceState } from './lancedb-store.js';

const HNSW = { M: 8, efConstruction: 40 };

describe('rebuild into LanceDB', { timeout: 600_000 }, () => {
  let dir: string;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-lancedb-rebuild-'));
    url = `lancedb://${dir}/items`;
    await brokenLanceTable(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the plan names the staging table, createIndex and the swap, and writes nothing', async () => {
    const before = snapshot(dir);
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', hnsw: HNSW });
    assert.equal(result.plan.engine, 'lancedb');
    assert.equal(result.plan.guard.rejected, LANCE_BAD_ROWS.length);
    assert.match(result.plan.steps.join('\n'), /createIndex IVF_HNSW_SQ/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('in place: bad rows gone, vectors normalized, text kept, a cosine index, the manifest in the field metadata', async () => {
    const result = await rebuild({ source: url, out: url, metric: 'cosine', index: 'hnsw', hnsw: HNSW, apply: true });
    assert.equal(result.before?.verdict, 'fail');
    assert.equal(result.applied?.rejected, LANCE_BAD_ROWS.length);
    assert.equal(result.applied?.ntotal, LANCE_ROWS - LANCE_BAD_ROWS.length);
    assert.notEqual(result.after?.verdict, 'fail', JSON.stringify(result.after));
    const state = await lanceState(dir);
    assert.equal(state.rows, LANCE_ROWS - LANCE_BAD_ROWS.length);
    assert.deepEqual(state.indexes, ['IvfHnswSq on vector']);
    assert.equal(state.manifest, true);
    assert.equal(state.text, 'document 2');
    assert.ok(state.maxNormError < 1e-5, `max |norm − 1| = ${state.maxNormError}`);
    // No staging table, journal or previous copy is left beside it.
    assert.deepEqual(readdirSync(dir), ['items.lance']);
    const report = await check(url, { sample: 1000 });
    assert.match(report.policy.declared.from ?? '', /metadata of field vector/);
    assert.equal(report.policy.declared.metric, 'cosine');
  });

  test('smoke on the rebuilt table answers in document ids, at the ef its manifest records unless --search says otherwise', async () => {
    // Each question asks for a stored document by its own (raw) vector: unmapped row ids (_rowid r is
    // document r + 1) would miss them all; a small M=8 graph may still leave one unreachable.
    const rows = await loadDocs(LANCE_ROWS, false);
    const asked = [0, 1, 2, 10, 100, 500, 899, 1000, 1100, 1199].filter((row) => !LANCE_BAD_ROWS.includes(row));
    const { questions, embedding, cleanup } = writeSelfQuestions(`${dir}-smoke`, rows, asked);
    try {
      const recorded = await smoke(url, { questions, embedding, all: true });
      assert.match(recorded.method, /ef 128 as its manifest records/);
      assert.ok(recorded.recall.at1 >= 0.8, JSON.stringify(recorded.perQuestion.filter((q) => q.rank !== 1)));
      assert.deepEqual(recorded.ids, { expected: asked.length, found: asked.length, space: "the store's own ids" });
      // Span questions take their texts from --ids; the store still answers in its own ids (not row ids).
      const texts = `${dir}-texts.jsonl`;
      writeFileSync(texts, Array.from({ length: LANCE_ROWS }, (_, row) => JSON.stringify({ id: String(row + 1), text: `the text of document ${row + 1}.` })).join('\n') + '\n');
      const spans = `${dir}-spans.jsonl`;
      writeFileSync(spans, asked.map((row) => JSON.stringify({ question: `document ${row + 1}`, spans: [`text of document ${row + 1}.`] })).join('\n') + '\n');
      const bySpan = await smoke(url, { questions: spans, embedding, ids: texts });
      assert.equal(bySpan.recall.at1, recorded.recall.at1, JSON.stringify(bySpan.perQuestion.map((q) => q.top[0])));
      const chosen = await smoke(url, { questions, embedding, all: true, search: { ef: 20 } });
      assert.match(chosen.method, /ef 20\)/);
      await assert.rejects(smoke(url, { questions, embedding, search: { ef_search: 20 } }), (error: Error & { exitCode?: number }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /unsupported search setting ef_search=20/);
        return true;
      });
    } finally {
      cleanup();
      for (const file of [`${dir}-texts.jsonl`, `${dir}-spans.jsonl`]) rmSync(file, { force: true });
    }
  });

  test('from a file into a new table with IVF_PQ; an existing table is refused (exit 2)', async () => {
    const rows = await loadDocs(1000, false);
    const file = join(dir, '..', `${dir.split('/').pop()}-docs.npy`);
    writeNpy(file, rows.data, rows.count, rows.dim);
    const out = `lancedb://${dir}/clean`;
    try {
      const result = await rebuild({ source: file, out, metric: 'cosine', index: 'ivfpq', apply: true, checkBeforeAfter: false });
      assert.equal(result.applied?.ntotal, 1000);
      const state = await lanceState(dir, 'clean');
      assert.deepEqual(state.indexes, ['IvfPq on vector']);
      assert.ok(state.maxNormError < 1e-5);
      await assert.rejects(rebuild({ source: file, out, metric: 'cosine', index: 'hnsw', apply: true }), (error: Error & { exitCode?: number }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /table clean already exists/);
        return true;
      });
    } finally {
      rmSync(file, { force: true });
    }
  });
});
