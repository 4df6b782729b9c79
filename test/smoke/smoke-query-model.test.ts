import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNpy } from '../../src/io/npy-writer.js';
import { smoke } from '../../src/smoke/index.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

// smoke warns when the query vectors come from another model than the store (model B queries
// against the model A documents of the shared corpus), and stays quiet with the store's model.
const QUESTIONS = 150;

async function run(t: { after: (fn: () => void) => void }, queryFile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vc-smoke-model-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const questions = join(dir, 'q.jsonl');
  writeFileSync(questions, readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8').split('\n').filter(Boolean).slice(0, QUESTIONS).join('\n') + '\n');
  const queries = join(dir, 'q.npy');
  writeNpy(queries, await loadRows(queryFile, QUESTIONS), QUESTIONS, DIM);
  return smoke(`${DATA_DIR}docs.f32.npy`, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: `${DATA_DIR}docs.jsonl` });
}

test('query vectors from another model get a warning line next to the recall they explain', async (t) => {
  const result = await run(t, 'queries_model_b.f32.npy');
  assert.ok(result.recall.at10 < 0.05);
  assert.equal(result.warnings?.length, 1);
  assert.match(result.warnings![0]!, /another embedding model/);
});

test("query vectors from the store's model get no warning", async (t) => {
  const result = await run(t, 'queries.f32.npy');
  assert.equal(result.warnings, undefined);
});
