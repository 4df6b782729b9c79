import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Field, FixedSizeList, Float32, Int64, Schema } from 'apache-arrow';
import { diff } from '../../src/diff/diff.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { Rng, shuffle } from '../../src/math/rng.js';
import { writeNpy } from '../helpers/npy.js';
import { normalized, tempDir, WORDNET_DIR, wordnet, type Matrix } from '../helpers/wordnet.js';

/**
 * diff on real embeddings (wordnet-ft128): model A against itself with ids reshuffled (no change),
 * against model B (the same documents re-embedded by another model), and against a copy with 10%
 * of the rows re-embedded by B; then the same re-embed as a pgvector table and a LanceDB table.
 */
const dir = tempDir(after);
const modelA = wordnet();
const modelB = wordnet('docs_model_b.f32.npy');
const docIds = readFileSync(join(WORDNET_DIR, 'docs.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { id: string }).id);
const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;

function file(name: string, matrix: Matrix): string {
  const path = join(dir, name);
  writeNpy(path, matrix.data, matrix.rows, matrix.dim);
  return path;
}

function idFile(name: string, ids: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ids.map((id) => JSON.stringify({ id })).join('\n') + '\n');
  return path;
}

function permuted(matrix: Matrix, order: readonly number[]): Matrix {
  const data = new Float32Array(matrix.data.length);
  order.forEach((row, i) => data.set(matrix.data.subarray(row * matrix.dim, (row + 1) * matrix.dim), i * matrix.dim));
  return { ...matrix, data };
}

/** Rows `share` of which (seeded) are replaced by the same rows from `other`. */
function partlyReembedded(matrix: Matrix, other: Matrix, share: number, seed: number): Matrix {
  const data = matrix.data.slice();
  const rows = shuffle(
    Array.from({ length: matrix.rows }, (_, i) => i),
    new Rng(seed),
  ).slice(0, Math.round(share * matrix.rows));
  for (const row of rows) data.set(other.data.subarray(row * matrix.dim, (row + 1) * matrix.dim), row * matrix.dim);
  return { ...matrix, data };
}

const codes = (report: Awaited<ReturnType<typeof diff>>) => Object.fromEntries(report.findings.map((f) => [f.code, f.severity]));

const before = file('a.npy', modelA);
const beforeIds = idFile('a.jsonl', docIds);

test('model A against itself with rows and ids reshuffled: no drift, every neighbour list unchanged, no finding', async () => {
  const order = shuffle(
    Array.from({ length: modelA.rows }, (_, i) => i),
    new Rng(3),
  );
  const report = await diff(before, file('a-shuffled.npy', permuted(modelA, order)), {
    ids: beforeIds,
    afterIds: idFile(
      'a-shuffled.jsonl',
      order.map((row) => docIds[row] as string),
    ),
  });
  assert.equal(report.pairing, 'id');
  assert.deepEqual(report.findings, []);
  assert.equal(report.verdict, 'pass');
  assert.equal((report.stats.neighborStability as { overlapAt10: number }).overlapAt10, 1);
});

test('model A against model B (the same documents re-embedded): drift near AUC 1 and most neighbourhoods changed', async () => {
  const report = await diff(before, file('b.npy', modelB));
  const found = codes(report);
  assert.equal(found['distribution-drift'], 'warn');
  assert.equal(found['neighbor-stability'], 'fail');
  const drift = report.findings.find((f) => f.code === 'distribution-drift')!;
  assert.ok((drift.evidence.linear as { auc: number }).auc > 0.95);
  assert.equal(report.verdict, 'fail');
});

test('10% of the rows re-embedded by model B: partial drift and partial neighbour change, ids named', async () => {
  const report = await diff(before, file('a-10b.npy', partlyReembedded(modelA, modelB, 0.1, 5)), { ids: beforeIds, afterIds: beforeIds });
  const found = codes(report);
  assert.equal(found['distribution-drift'], 'warn', JSON.stringify(report.stats.drift));
  assert.equal(found['neighbor-stability'], 'warn', JSON.stringify(report.stats.neighborStability));
  const stability = report.stats.neighborStability as { overlapAt10: number; lowest: { id: string }[] };
  assert.ok(stability.overlapAt10 > 0.6 && stability.overlapAt10 < 0.9);
  assert.ok(
    stability.lowest.every((entry) => docIds.includes(entry.id)),
    'the ids reported are document ids',
  );
});

test('recall change on 2,000 known-answer questions: a 10% re-embed loses answers (paired test), an unchanged copy does not', async () => {
  const questions = { questions: join(WORDNET_DIR, 'queries.jsonl'), queryVectors: join(WORDNET_DIR, 'queries.f32.npy'), ids: beforeIds, afterIds: beforeIds, sample: 1000 };
  const broken = await diff(before, file('a-10b-recall.npy', partlyReembedded(modelA, modelB, 0.1, 5)), questions);
  const recall = broken.findings.find((f) => f.code === 'recall-change')!;
  assert.equal(recall.severity, 'fail', recall.message);
  const stats = broken.stats.recall as { recallAt10: { before: number; after: number }; lost: number; gained: number; pValue: number };
  assert.equal(stats.recallAt10.before, 0.248, 'exact cosine recall@10 of model A (the data set README)');
  assert.ok(stats.recallAt10.after < stats.recallAt10.before && stats.lost > stats.gained && stats.pValue < 0.05);
  const same = await diff(before, before, questions);
  assert.equal(same.findings.find((f) => f.code === 'recall-change')?.severity, 'info');
  assert.equal(same.verdict, 'pass');
});

test('the CLI: exit 1 at --fail-on warn on drift, 0 on no change, 2 on a missing file; json/md/html render', () => {
  const run = (...args: string[]) => spawnSync(TSX, [CLI, 'diff', ...args], { encoding: 'utf8' });
  const drifted = file('a-10b-cli.npy', partlyReembedded(modelA, modelB, 0.1, 5));
  const json = run(before, drifted, '--format', 'json', '--fail-on', 'warn', '--sample', '3000');
  assert.equal(json.status, 1, json.stderr);
  assert.equal(JSON.parse(json.stdout).kind, 'diff');
  const same = run(before, before, '--format', 'md', '--sample', '1000');
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /## vectorclinic diff: PASS/);
  const page = run(before, drifted, '--format', 'html', '--sample', '1000');
  assert.match(page.stdout, /^<!doctype html>/);
  const missing = run(before, join(dir, 'nope.npy'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.npy/);
});

const ROWS = 1500;
/** PGlite reads rows through SQL text: fewer rows keep the test quick; 300 per side still separate two models. */
const PG_ROWS = 600;
const unitA = normalized({ data: modelA.data.slice(0, ROWS * 128), rows: ROWS, dim: 128 });
const unitB = normalized({ data: modelB.data.slice(0, ROWS * 128), rows: ROWS, dim: 128 });

test('pgvector: a table and its copy re-embedded by another model (PGlite; the unchanged-copy control runs on LanceDB below)', async () => {
  const build = async (path: string, matrix: Matrix) => {
    const db = await PGlite.create({ dataDir: path, extensions: { vector } });
    try {
      await buildPgvectorStore(db, { table: 'docs', vectors: { data: matrix.data, count: matrix.rows, dim: matrix.dim } });
    } finally {
      await db.close();
    }
  };
  const [original, reembedded] = ['pg-before', 'pg-after'].map((name) => join(dir, name)) as [string, string];
  const small = (matrix: Matrix): Matrix => ({ data: matrix.data.slice(0, PG_ROWS * 128), rows: PG_ROWS, dim: 128 });
  await build(original, small(unitA));
  await build(reembedded, small(unitB));
  const report = await diff(`pglite://${original}?table=docs`, `pglite://${reembedded}?table=docs`);
  assert.equal(codes(report)['distribution-drift'], 'warn');
  assert.equal(codes(report)['neighbor-stability'], 'fail');
  assert.equal(report.pairing, 'row', 'rows pair by primary-key order');
});

test('LanceDB: a table and its re-embedded copy in one database', async () => {
  const path = join(dir, 'lance');
  const schema = new Schema([new Field('id', new Int64(), false), new Field('vector', new FixedSizeList(128, new Field('item', new Float32(), true)), true)]);
  const rows = (matrix: Matrix) => Array.from({ length: matrix.rows }, (_, row) => ({ id: BigInt(row + 1), vector: Array.from(matrix.data.subarray(row * 128, (row + 1) * 128)) }));
  const db = await lancedb.connect(path);
  (await db.createTable('docs', rows(unitA), { schema })).close();
  (await db.createTable('docs_copy', rows(unitA), { schema })).close();
  (await db.createTable('docs_v2', rows(partlyReembedded(unitA, unitB, 0.5, 9)), { schema })).close();
  db.close();
  const unchanged = await diff(`lancedb://${path}/docs`, `lancedb://${path}/docs_copy`);
  assert.equal(unchanged.verdict, 'pass', JSON.stringify(unchanged.findings));
  const report = await diff(`lancedb://${path}/docs`, `lancedb://${path}/docs_v2`);
  assert.equal(codes(report)['distribution-drift'], 'warn');
  assert.ok(['warn', 'fail'].includes(codes(report)['neighbor-stability'] ?? ''));
});
