import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VectorclinicError } from '../../src/errors.js';
import { exactSearch } from '../../src/math/top-k.js';
import { writeNpy } from '../../src/rebuild/files/npy-writer.js';
import { compareSmoke, smoke } from '../../src/smoke/index.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

const QUESTIONS = 150;
const DOCS = `${DATA_DIR}docs.jsonl`;
const DOC_VECTORS = `${DATA_DIR}docs.f32.npy`;
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

interface QueryLine {
  readonly question: string;
  readonly expected: string[];
}

const queryLines = (): QueryLine[] => readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as QueryLine);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vc-smoke-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The first QUESTIONS questions and their model-A query vectors. */
async function subset(dir: string): Promise<{ questions: string; queries: string; vectors: Float32Array }> {
  const questions = join(dir, 'q.jsonl');
  writeFileSync(questions, queryLines().slice(0, QUESTIONS).map((q) => JSON.stringify(q)).join('\n') + '\n');
  const vectors = await loadRows('queries.f32.npy', QUESTIONS);
  const queries = join(dir, 'q.npy');
  writeNpy(queries, vectors, QUESTIONS, DIM);
  return { questions, queries, vectors };
}

test('exact search over a vector file: recall@k and MRR agree with an independent exact search', async (t) => {
  const dir = tempDir(t);
  const { questions, queries, vectors } = await subset(dir);
  const result = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  assert.equal(result.questions, QUESTIONS);
  assert.equal(result.method, 'exact cosine search over 20,000 rows');
  const docs = await loadRows('docs.f32.npy', 20_000);
  const ids = readFileSync(DOCS, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
  const lists = exactSearch(vectors, QUESTIONS, docs, 20_000, DIM, 'cosine', 10);
  const expected = queryLines().slice(0, QUESTIONS).map((q) => q.expected[0]);
  let hits10 = 0;
  let hits1 = 0;
  let reciprocal = 0;
  for (let q = 0; q < QUESTIONS; q++) {
    const top = Array.from(lists.ids.subarray(q * 10, q * 10 + 10), (row) => ids[row]);
    const rank = top.indexOf(expected[q]);
    if (rank >= 0) {
      hits10++;
      reciprocal += 1 / (rank + 1);
      if (rank === 0) hits1++;
    }
  }
  assert.equal(result.recall.at10, hits10 / QUESTIONS);
  assert.equal(result.recall.at1, hits1 / QUESTIONS);
  assert.ok(Math.abs(result.mrr - reciprocal / QUESTIONS) < 1e-12);
  assert.equal(result.distinctTopK, 1, 'healthy retrieval: every question gets its own top 10');
  const hit = result.perQuestion.find((outcome) => outcome.rank !== null);
  assert.ok(hit && hit.top[hit.rank! - 1] === hit.expected[0]);
});

test('by default only the first five questions run; a store too small to tell questions apart shows zero distinct top-10s', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const tiny = join(dir, 'tiny.npy');
  writeNpy(tiny, await loadRows('docs.f32.npy', 10), 10, DIM);
  const result = await smoke(tiny, { questions, embedding: { kind: 'file', path: queries } });
  assert.equal(result.questions, 5);
  assert.equal(result.questionsInFile, QUESTIONS);
  assert.equal(result.distinctTopK, 0);
});

test('openai-compatible embeddings: a local server answering /v1/embeddings gives the same result as the vector file', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const allVectors = await loadRows('queries.f32.npy', 2000);
  const rowOf = new Map(queryLines().map((q, row) => [q.question, row]));
  const seen: { auth?: string; model?: string; inputs: number }[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const { model, input } = JSON.parse(body) as { model: string; input: string[] };
    seen.push({ ...(request.headers.authorization ? { auth: request.headers.authorization } : {}), model, inputs: input.length });
    if (request.url !== '/v1/embeddings' || model !== 'wn128') {
      response.writeHead(404).end('{"error": "unknown model"}');
      return;
    }
    const data = input.map((text, index) => {
      const row = rowOf.get(text) as number;
      return { object: 'embedding', index, embedding: Array.from(allVectors.subarray(row * DIM, (row + 1) * DIM)) };
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env.VC_TEST_EMBED_KEY = 'secret-token';
  t.after(() => delete process.env.VC_TEST_EMBED_KEY);
  const viaApi = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'openai-compatible', baseUrl, model: 'wn128', apiKeyEnv: 'VC_TEST_EMBED_KEY' }, all: true, ids: DOCS });
  const viaFile = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  assert.deepEqual(viaApi.recall, viaFile.recall);
  assert.deepEqual(viaApi.perQuestion, viaFile.perQuestion);
  assert.match(viaApi.queryVectors, /wn128 via http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings/);
  assert.deepEqual(seen.map((s) => s.inputs), [64, 64, 22], 'batched 64 texts per request');
  assert.ok(seen.every((s) => s.auth === 'Bearer secret-token'));
  await assert.rejects(
    smoke(DOC_VECTORS, { questions, embedding: { kind: 'openai-compatible', baseUrl, model: 'other' }, ids: DOCS }),
    (error: unknown) => VectorclinicError.isInstance(error) && /HTTP 404/.test(error.message) && error.where === `${baseUrl}/embeddings`,
  );
});

test('--compare: the same questions against a model-swapped store and the right one', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const comparison = await compareSmoke(`${DATA_DIR}docs_model_b.f32.npy`, DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  assert.ok(comparison.after.recall.at10 > comparison.before.recall.at10 + 0.1, JSON.stringify(comparison.delta));
  assert.equal(comparison.delta.recallAt10, comparison.after.recall.at10 - comparison.before.recall.at10);
});

test('span questions are scored against document text', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const byId = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  const found = byId.perQuestion.findIndex((outcome) => outcome.rank !== null);
  assert.ok(found >= 0);
  const outcome = byId.perQuestion[found]!;
  const docs = new Map(readFileSync(DOCS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; text: string }).map((doc) => [doc.id, doc.text]));
  const definition = docs.get(outcome.expected[0]!)!.split(': ').slice(1).join(': ');
  // Question `found` keeps its row, so row i of the query file still embeds it.
  const spans = join(dir, 'spans.jsonl');
  const lines = queryLines().slice(0, found + 1).map((q, i) => JSON.stringify(i === found ? { question: q.question, spans: [definition.toUpperCase(), 'zzqx not in any document'] } : { question: q.question, spans: ['zzqx'] }));
  writeFileSync(spans, lines.join('\n') + '\n');
  const bySpan = await smoke(DOC_VECTORS, { questions: spans, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  const scored = bySpan.perQuestion[found]!;
  assert.ok(scored.rank !== null && scored.rank <= outcome.rank!, 'the definition (any case) is found no later than its document');
  assert.equal(scored.recallAt10, 0.5, 'one of two spans found');
  for (const other of bySpan.perQuestion.slice(0, found)) assert.equal(other.rank, null, 'a span no document contains never hits');
});

test('a malformed questions file names the line and byte offset', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'bad.jsonl');
  writeFileSync(path, '{"question": "ok", "expected": ["a"]}\n{"question": "no answers"}\n');
  await assert.rejects(
    smoke(DOC_VECTORS, { questions: path, embedding: { kind: 'file', path: `${DATA_DIR}queries.f32.npy` } }),
    (error: unknown) => VectorclinicError.isInstance(error) && error.row === 1 && error.byteOffset === 38 && /line 2: no "expected" ids/.test(error.message),
  );
});

test('CLI: JSON output, --min-recall gate and exit codes', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'smoke', DOC_VECTORS, '--questions', questions, '--query-vectors', queries, '--ids', DOCS, ...args], { encoding: 'utf8' });
  const ok = run('--format', 'json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { questions: number }).questions, 5);
  const gated = run('--min-recall', '0.99', '--all');
  assert.equal(gated.status, 1);
  const usage = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'smoke', DOC_VECTORS, '--questions', questions], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /no query vectors\n {2}fix: pass --query-vectors/);
  const malformed = run('--search', 'ef=fast');
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /--search takes name=value with a positive integer value, got 'ef=fast'/);
  // Repeatable, and a target after it stays the target.
  const exact = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'smoke', '--search', 'ef=64', '--search', 'nprobes=2', DOC_VECTORS, '--questions', questions, '--query-vectors', queries, '--ids', DOCS], { encoding: 'utf8' });
  assert.equal(exact.status, 2);
  assert.match(exact.stderr, /is searched exactly: it has no search settings/);
});
