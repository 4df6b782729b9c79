import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorclinicError } from '../../src/errors.js';
import { readIdSidecar } from '../../src/manifest/ids.js';
import { manifestFilePath, readManifest } from '../../src/manifest/manifest.js';
import { rebuild } from '../../src/rebuild/index.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { smoke } from '../../src/smoke/index.js';
import { corruptStore } from './corrupt-store.js';
import { DATA_DIR, DIM, loadRows } from './shared-data.js';

const ROWS = 1200;
const QUICK_HNSW = { M: 12, efConstruction: 60, efSearch: 64 };

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vc-rebuild-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Questions whose expected document is among the first `rows` documents, with their query rows. */
async function questionsFor(dir: string, rows: number, limit: number): Promise<{ questions: string; queries: string; count: number }> {
  const { readFileSync } = await import('node:fs');
  const docs = readFileSync(`${DATA_DIR}docs.jsonl`, 'utf8')
    .split('\n')
    .slice(0, rows)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const known = new Set(docs);
  const lines = readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { question: string; expected: string[] });
  const picked = lines
    .map((q, row) => ({ ...q, row }))
    .filter((q) => known.has(q.expected[0] as string))
    .slice(0, limit);
  const queryRows = await loadRows('queries.f32.npy', 2000);
  const data = new Float32Array(picked.length * DIM);
  picked.forEach((q, i) => data.set(queryRows.subarray(q.row * DIM, (q.row + 1) * DIM), i * DIM));
  const questions = join(dir, 'questions.jsonl');
  writeFileSync(questions, picked.map((q) => JSON.stringify({ question: q.question, expected: q.expected })).join('\n') + '\n');
  const queries = join(dir, 'queries.npy');
  writeNpy(queries, data, picked.length, DIM);
  writeFileSync(join(dir, 'docs.jsonl'), docs.map((id) => JSON.stringify({ id })).join('\n') + '\n');
  return { questions, queries, count: picked.length };
}

test('plan only: reports what the guard will remove and writes nothing', async (t) => {
  const dir = tempDir(t);
  const store = await corruptStore(ROWS, { zeroRows: 7, nanRows: 3, staleRows: 0 });
  const source = join(dir, 'store.npy');
  writeNpy(source, store.data, store.rows, DIM);
  const result = await rebuild({ source, out: join(dir, 'clean.hnsw'), metric: 'cosine', index: 'hnsw' });
  assert.equal(result.mode, 'plan');
  assert.deepEqual([result.plan.guard.causes.zero, result.plan.guard.causes.nonfinite, result.plan.guard.accepted], [7, 3, ROWS - 10]);
  assert.deepEqual(result.plan.index.params, { M: 32, efConstruction: 200, efSearch: 128 });
  assert.ok(result.plan.estimate.seconds > 0 && result.plan.estimate.peakMemoryBytes > ROWS * DIM * 4);
  assert.deepEqual(readdirSync(dir), ['store.npy']);
});

test('apply: a corrupted store comes back clean, verified, with manifest and ids; smoke finds the answers', async (t) => {
  const dir = tempDir(t);
  const store = await corruptStore(ROWS, { zeroRows: 7, nanRows: 3, staleRows: 0 });
  const source = join(dir, 'store.npy');
  writeNpy(source, store.data, store.rows, DIM);
  const { questions, queries, count } = await questionsFor(dir, ROWS, 60);
  const out = join(dir, 'clean.hnsw');
  const result = await rebuild({ source, out, metric: 'cosine', index: 'hnsw', ids: join(dir, 'docs.jsonl'), apply: true, hnsw: QUICK_HNSW });
  assert.equal(result.applied?.ntotal, ROWS - 10);
  assert.deepEqual(
    result.before?.findings
      .filter((f) => f.severity === 'fail')
      .map((f) => f.code)
      .sort(),
    ['mixed-norm-shards', 'nonfinite-values', 'zero-vectors'],
  );
  assert.equal(result.after?.verdict, 'pass', JSON.stringify(result.after));
  const loaded = readManifest(out);
  assert.equal(loaded?.status, 'ok');
  assert.equal(loaded?.manifest.normalized, true);
  assert.equal(loaded?.manifest.index?.engine, 'hnswlib');
  const ids = readIdSidecar(manifestFilePath(loaded!.path, loaded!.manifest.ids!));
  assert.equal(ids.length, ROWS - 10);
  assert.equal(ids[0]?.[0], 'n:00002684', 'row 0 maps to the first document id');

  const rebuilt = await smoke(out, { questions, embedding: { kind: 'file', path: queries }, all: true });
  const exact = await smoke(`${DATA_DIR}docs.f32.npy`, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: `${DATA_DIR}docs.jsonl` });
  assert.equal(rebuilt.questions, count);
  assert.match(rebuilt.method, /hnswlib hnsw index \(efSearch 64\)/);
  // The rebuilt store holds only the first 1,200 documents, so it must answer at least as well as exact search over all 20,000.
  assert.ok(rebuilt.recall.at10 >= exact.recall.at10, `rebuilt ${rebuilt.recall.at10} vs exact over all docs ${exact.recall.at10}`);
  assert.equal(rebuilt.distinctTopK, 1);
  const wider = await smoke(out, { questions, embedding: { kind: 'file', path: queries }, all: true, search: { efSearch: 200 } });
  assert.match(wider.method, /\(efSearch 200\)/);
  assert.ok(wider.recall.at10 >= rebuilt.recall.at10 - 0.02);
  await assert.rejects(
    smoke(out, { questions, embedding: { kind: 'file', path: queries }, search: { nprobe: 8 } }),
    (error: Error & { hint?: string }) => /this index takes no search setting nprobe/.test(error.message) && error.hint === 'it takes efSearch',
  );
});

test('usearch, numpy (flat) and whitening: each index answers through smoke like exact search', async (t) => {
  const dir = tempDir(t);
  const clean = await loadRows('docs.f32.npy', ROWS);
  const source = join(dir, 'store.npy');
  writeNpy(source, clean, ROWS, DIM);
  const { questions, queries } = await questionsFor(dir, ROWS, 40);
  const embedding = { kind: 'file' as const, path: queries };
  const flat = join(dir, 'flat.npy');
  await rebuild({ source, out: flat, metric: 'cosine', index: 'flat', ids: join(dir, 'docs.jsonl'), apply: true, checkBeforeAfter: false });
  const exact = await smoke(flat, { questions, embedding, all: true });
  assert.match(exact.method, /numpy flat/);
  const usearchOut = join(dir, 'store.usearch');
  await rebuild({ source, out: usearchOut, metric: 'cosine', index: 'hnsw', ids: join(dir, 'docs.jsonl'), apply: true, hnsw: QUICK_HNSW, checkBeforeAfter: false });
  const graph = await smoke(usearchOut, { questions, embedding, all: true });
  assert.ok(Math.abs(graph.recall.at10 - exact.recall.at10) <= 0.05, `usearch ${graph.recall.at10} vs exact ${exact.recall.at10}`);
  const whitened = join(dir, 'white.npy');
  const result = await rebuild({ source, out: whitened, metric: 'cosine', index: 'flat', whiten: true, ids: join(dir, 'docs.jsonl'), apply: true, checkBeforeAfter: false });
  const manifest = readManifest(whitened)!.manifest;
  assert.equal(manifest.whitening.applied, true);
  assert.ok(existsSync(manifestFilePath(`${whitened}.vectorclinic.json`, manifest.whitening.transform!)));
  const white = await smoke(whitened, { questions, embedding, all: true });
  // Queries get the same transform, so whitened retrieval still finds answers (it may rank differently).
  assert.ok(white.recall.at10 > 0, `whitened recall ${white.recall.at10}`);
  assert.equal(result.applied?.ntotal, ROWS);
});

test('dedup folds near-duplicates into aliases; mask-boilerplate drops content repeated 10+ times', async (t) => {
  const dir = tempDir(t);
  const rows = 600;
  const data = await loadRows('docs.f32.npy', rows, { normalize: true });
  // Rows 100..102 become near copies of row 7; rows 200..214 all repeat row 9 (boilerplate).
  for (const copy of [100, 101, 102]) for (let j = 0; j < DIM; j++) data[copy * DIM + j] = (data[7 * DIM + j] as number) * (1 + (j % 2 ? 1e-5 : -1e-5));
  for (let copy = 200; copy < 215; copy++) data.copyWithin(copy * DIM, 9 * DIM, 10 * DIM);
  const source = join(dir, 'dup.npy');
  writeNpy(source, data, rows, DIM);
  const out = join(dir, 'dedup.npy');
  const result = await rebuild({ source, out, metric: 'cosine', index: 'flat', dedup: true, apply: true, checkBeforeAfter: false });
  assert.equal(result.applied?.duplicatesRemoved, 3 + 15);
  const ids = readIdSidecar(manifestFilePath(`${out}.vectorclinic.json`, readManifest(out)!.manifest.ids!));
  assert.deepEqual(
    ids.find((entry) => entry[0] === '7'),
    ['7', '100', '101', '102'],
  );
  const masked = join(dir, 'masked.npy');
  const maskedResult = await rebuild({ source, out: masked, metric: 'cosine', index: 'flat', dedup: true, maskBoilerplate: true, apply: true, checkBeforeAfter: false });
  assert.equal(maskedResult.applied?.boilerplateMasked, 16, 'row 9 and its 15 copies');
  assert.equal(maskedResult.applied?.rowsWritten, rows - 16 - 3);
});

test('usage errors: engine/type mismatch, unknown extension, wrong id count', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 's.npy');
  writeNpy(source, await loadRows('docs.f32.npy', 100), 100, DIM);
  const usage = (pattern: RegExp) => (error: unknown) => VectorclinicError.isInstance(error) && pattern.test(error.message);
  await assert.rejects(rebuild({ source, out: join(dir, 'x.hnsw'), metric: 'cosine', index: 'ivfpq' }), usage(/hnswlib cannot build a ivfpq index/));
  await assert.rejects(rebuild({ source, out: join(dir, 'x.weird'), metric: 'cosine', index: 'hnsw' }), usage(/cannot tell which engine/));
  await assert.rejects(rebuild({ source, out: join(dir, 'missing', 'x.hnsw'), metric: 'cosine', index: 'hnsw' }), usage(/cannot write into .*missing \(ENOENT\)/));
  writeFileSync(join(dir, 'ids.jsonl'), '{"id": "a"}\n');
  await assert.rejects(rebuild({ source, out: join(dir, 'x.npy'), metric: 'cosine', index: 'flat', ids: join(dir, 'ids.jsonl'), apply: true }), usage(/1 ids for 100 rows/));
  // The plan alone (no --apply) refuses it too.
  await assert.rejects(rebuild({ source, out: join(dir, 'x.npy'), metric: 'cosine', index: 'flat', ids: join(dir, 'ids.jsonl') }), usage(/1 ids for 100 rows/));
  assert.ok(!existsSync(join(dir, 'x.npy')));
});
