import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { smoke } from '../../src/smoke/smoke.js';
import { writeNpy } from '../helpers/npy.js';
import { wordnet, WORDNET_DIR } from '../helpers/wordnet.js';
import { rowsOf, writeDuckdbFile } from './duckdb-fixtures.js';

const QUESTIONS = 40;
const OTHERS = 400;
const DIM = 128;

test("smoke on duckdb:// answers in the table's own ids, with the same scores as the .npy file with --ids; check does not audit an index DuckDB does not have", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-duckdb-smoke-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const docIds = readFileSync(join(WORDNET_DIR, 'docs.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const questionLines = readFileSync(join(WORDNET_DIR, 'queries.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, QUESTIONS);
  const rowOf = new Map(docIds.map((id, row) => [id, row]));
  const answers = new Set(questionLines.map((line) => rowOf.get((JSON.parse(line) as { expected: string[] }).expected[0] as string) as number));
  const rows = [...new Set([...answers, ...Array.from({ length: OTHERS }, (_, i) => i)])].sort((a, b) => a - b);
  const docs = wordnet();
  const data = new Float32Array(rows.length * DIM);
  rows.forEach((row, i) => data.set(docs.data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  const questions = join(dir, 'questions.jsonl');
  writeFileSync(questions, `${questionLines.join('\n')}\n`);
  const queries = join(dir, 'queries.npy');
  writeNpy(queries, wordnet('queries.f32.npy').data.slice(0, QUESTIONS * DIM), QUESTIONS, DIM);
  // The table keys rows by document id (text), in a shuffled-looking order unrelated to row numbers.
  const file = join(dir, 'app.duckdb');
  const names = rows.map((row, i) => `(${i + 1}, '${docIds[row] as string}')`).join(', ');
  await writeDuckdbFile(file, rowsOf(data, DIM), [
    `CREATE TABLE docs AS SELECT n.doc_id AS id, CAST(s.embedding AS FLOAT[${DIM}]) AS embedding FROM source s JOIN (VALUES ${names}) n(i, doc_id) ON n.i = s.id ORDER BY s.id DESC`,
    'DROP TABLE source',
  ]);
  const npy = join(dir, 'docs.npy');
  writeNpy(npy, data, rows.length, DIM);
  const idsFile = join(dir, 'ids.jsonl');
  writeFileSync(idsFile, `${rows.map((row) => JSON.stringify({ id: docIds[row] })).join('\n')}\n`);

  const embedding = { kind: 'file' as const, path: queries };
  const fromStore = await smoke(`duckdb://${file}?table=docs`, { questions, embedding, metric: 'cosine' });
  const fromFile = await smoke(npy, { questions, embedding, ids: idsFile, metric: 'cosine' });
  assert.equal(fromStore.ids.found, fromStore.ids.expected, JSON.stringify(fromStore.ids));
  assert.deepEqual(fromStore.recall, fromFile.recall);
  assert.equal(fromStore.mrr, fromFile.mrr);
  assert.ok(fromStore.recall.at10 >= 0.3, `real questions find their documents (a wrong id mapping scores 0): ${JSON.stringify(fromStore.recall)}`);
  assert.match(fromStore.method, /duckdb/i);

  // The same exact search must not be "audited" against itself by check.
  const report = await check(`duckdb://${file}?table=docs`, { metric: 'cosine', sample: 200 });
  assert.equal(
    report.findings.find((f) => f.code === 'ann-recall'),
    undefined,
  );
  await assert.rejects(check(`duckdb://${file}?table=docs`, { metric: 'cosine', search: { ef: 10 } }), (error: Error & { exitCode?: number }) => error.exitCode === 2);
});
