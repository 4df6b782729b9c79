import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorclinicError } from '../../src/errors.js';
import { exactSearch } from '../../src/math/top-k.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { compareSmoke, smoke } from '../../src/smoke/index.js';
import { guardFile } from '../../src/guard/guard-file.js';
import { wilsonInterval } from '../../src/math/bounds.js';
import { runCliSync } from '../helpers/cli.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

const QUESTIONS = 150;
const DOCS = `${DATA_DIR}docs.jsonl`;
const DOC_VECTORS = `${DATA_DIR}docs.f32.npy`;

interface QueryLine {
  readonly question: string;
  readonly expected: string[];
}

const queryLines = (): QueryLine[] =>
  readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as QueryLine);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vc-smoke-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The first QUESTIONS questions and their model-A query vectors. */
async function subset(dir: string): Promise<{ questions: string; queries: string; vectors: Float32Array }> {
  const questions = join(dir, 'q.jsonl');
  writeFileSync(
    questions,
    queryLines()
      .slice(0, QUESTIONS)
      .map((q) => JSON.stringify(q))
      .join('\n') + '\n',
  );
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
  const ids = readFileSync(DOCS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const lists = exactSearch({ data: vectors, count: QUESTIONS, dim: DIM }, { data: docs, count: 20_000, dim: DIM }, { metric: 'cosine', k: 10 });
  const expected = queryLines()
    .slice(0, QUESTIONS)
    .map((q) => q.expected[0]);
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

test('by default every question runs; a store too small to tell questions apart shows zero distinct top-10s', async (t) => {
  const dir = tempDir(t);
  const { queries } = await subset(dir);
  const tiny = join(dir, 'tiny.npy');
  writeNpy(tiny, await loadRows('docs.f32.npy', 10), 10, DIM);
  // Questions in the tiny store's own id space (its row numbers), so every expected id exists.
  const questions = join(dir, 'rows.jsonl');
  writeFileSync(
    questions,
    queryLines()
      .slice(0, QUESTIONS)
      .map((q, i) => JSON.stringify({ question: q.question, expected: [String(i % 10)] }))
      .join('\n') + '\n',
  );
  const result = await smoke(tiny, { questions, embedding: { kind: 'file', path: queries } });
  assert.equal(result.questions, QUESTIONS);
  assert.equal(result.questionsInFile, QUESTIONS);
  assert.equal(result.sample, undefined);
  assert.deepEqual(result.ids, { expected: 10, found: 10, space: 'row numbers 0–9' });
  assert.equal(result.distinctTopK, 0);
});

test('--sample: a stated, seeded sample of at least 200 questions; smaller samples are refused', async (t) => {
  const dir = tempDir(t);
  const questions = join(dir, 'q.jsonl');
  writeFileSync(
    questions,
    queryLines()
      .slice(0, 400)
      .map((q) => JSON.stringify(q))
      .join('\n') + '\n',
  );
  const embedding = { kind: 'file' as const, path: `${DATA_DIR}queries.f32.npy` };
  const sampled = await smoke(DOC_VECTORS, { questions, embedding, ids: DOCS, sample: 250, seed: 7 });
  assert.equal(sampled.questions, 250);
  assert.deepEqual(sampled.sample, { size: 250, seed: 7 });
  const again = await smoke(DOC_VECTORS, { questions, embedding, ids: DOCS, sample: 250, seed: 7 });
  assert.deepEqual(again.perQuestion, sampled.perQuestion, 'the same seed draws the same questions');
  // Row i of the query file still embeds line i: the sampled questions are answered like in the full run.
  const full = await smoke(DOC_VECTORS, { questions, embedding, ids: DOCS });
  const byQuestion = new Map(full.perQuestion.map((outcome) => [outcome.question, outcome.rank]));
  for (const outcome of sampled.perQuestion) assert.equal(outcome.rank, byQuestion.get(outcome.question));
  await assert.rejects(
    smoke(DOC_VECTORS, { questions, embedding, ids: DOCS, sample: 50 }),
    (error: unknown) => VectorclinicError.isInstance(error) && error.exitCode === 2 && /too small/.test(error.message) && error.where === '--sample',
  );
});

test('every recall figure and MRR carries a 95% interval: Wilson for one answer per question, bootstrap otherwise', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const result = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, ids: DOCS });
  const hits10 = result.perQuestion.filter((outcome) => outcome.rank !== null).length;
  assert.deepEqual(result.intervals.recallAt10, { ...wilsonInterval(hits10, QUESTIONS), method: 'wilson' });
  for (const [figure, interval] of [
    [result.recall.at1, result.intervals.recallAt1],
    [result.recall.at5, result.intervals.recallAt5],
    [result.recall.at10, result.intervals.recallAt10],
    [result.mrr, result.intervals.mrr],
  ] as const) {
    assert.ok(interval.low <= figure && figure <= interval.high, `${figure} in [${interval.low}, ${interval.high}]`);
    assert.ok(interval.high - interval.low > 0.02 && interval.high - interval.low < 0.3, '150 questions: an interval of a few hundredths');
  }
  assert.equal(result.intervals.mrr.method, 'bootstrap');
  // Two expected answers per question, one of them never retrieved: per-question recall is 0 or 0.5, so bootstrap.
  const halves = join(dir, 'halves.jsonl');
  writeFileSync(
    halves,
    queryLines()
      .slice(0, QUESTIONS)
      .map((q) => JSON.stringify({ question: q.question, expected: [...q.expected, 'n:00002684'] }))
      .join('\n') + '\n',
  );
  const twoAnswers = await smoke(DOC_VECTORS, { questions: halves, embedding: { kind: 'file', path: queries }, ids: DOCS });
  assert.equal(twoAnswers.intervals.recallAt10.method, 'bootstrap');
  assert.ok(twoAnswers.intervals.recallAt10.low <= twoAnswers.recall.at10 && twoAnswers.recall.at10 <= twoAnswers.intervals.recallAt10.high);
});

test('smoke refuses to score when most expected ids are not in the target: row numbers asked for document ids', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  await assert.rejects(smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries } }), (error: unknown) => {
    assert.ok(VectorclinicError.isInstance(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /only 0 of 150 distinct expected ids \(0%\) exist in the target, which answers in row numbers 0–19,999/);
    assert.match(error.hint ?? '', /expect ids like "n:\d{8}".*the target returns "\d+".*--ids FILE\.jsonl.*--id-field/);
    return true;
  });
  // The right file, the wrong field: the message points at --ids / --id-field as given.
  await assert.rejects(smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, ids: DOCS, idField: 'text' }), (error: unknown) => {
    assert.ok(VectorclinicError.isInstance(error));
    assert.match(error.message, /which answers in the ids in .*docs\.jsonl/);
    assert.match(error.hint ?? '', /check that --ids .*docs\.jsonl holds the ids the questions use.*--id-field NAME if they are not in "text"/);
    return true;
  });
  const cli = runCliSync(['smoke', DOC_VECTORS, '--questions', questions, '--query-vectors', queries]);
  assert.equal(cli.code, 2, cli.stderr);
  assert.equal(cli.stdout, '', 'no recall printed');
  assert.match(cli.stderr, /only 0 of 150 distinct expected ids/);
});

test('a store holding half or more of the expected documents is scored (the rest count as misses and are named); less is refused', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const docIds = readFileSync(DOCS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const rowOf = new Map(docIds.map((id, row) => [id, row]));
  const expected = [
    ...new Set(
      queryLines()
        .slice(0, QUESTIONS)
        .flatMap((q) => q.expected),
    ),
  ];
  const all = await loadRows('docs.f32.npy', 20_000);
  /** A store of the documents answering the first `held` distinct expected ids, plus 500 others. */
  const store = (held: number, name: string): { path: string; ids: string } => {
    const rows = [...new Set([...expected.slice(0, held).map((id) => rowOf.get(id) as number), ...Array.from({ length: 500 }, (_, i) => 19_000 + i)])];
    const data = new Float32Array(rows.length * DIM);
    rows.forEach((row, i) => data.set(all.subarray(row * DIM, (row + 1) * DIM), i * DIM));
    const path = join(dir, `${name}.npy`);
    writeNpy(path, data, rows.length, DIM);
    const ids = join(dir, `${name}.ids.jsonl`);
    writeFileSync(ids, rows.map((row) => JSON.stringify({ id: docIds[row] })).join('\n') + '\n');
    return { path, ids };
  };
  const embedding = { kind: 'file' as const, path: queries };
  const enough = store(Math.ceil(expected.length / 2), 'half');
  const scored = await smoke(enough.path, { questions, embedding, ids: enough.ids });
  assert.equal(scored.ids.expected, expected.length);
  assert.equal(scored.ids.found, Math.ceil(expected.length / 2));
  const text = runCliSync(['smoke', enough.path, '--questions', questions, '--query-vectors', queries, '--ids', enough.ids]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`${expected.length - Math.ceil(expected.length / 2)} of ${expected.length} expected ids are not in the target, which answers in the ids in .*: their questions count as misses`));
  const few = store(Math.ceil(expected.length / 2) - 1, 'few');
  await assert.rejects(
    smoke(few.path, { questions, embedding, ids: few.ids }),
    (error: unknown) => VectorclinicError.isInstance(error) && error.exitCode === 2 && new RegExp(`only ${Math.ceil(expected.length / 2) - 1} of ${expected.length} distinct`).test(error.message),
  );
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
  assert.deepEqual(
    seen.map((s) => s.inputs),
    [64, 64, 22],
    'batched 64 texts per request',
  );
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
  const { recallAt10 } = comparison.deltaIntervals;
  assert.ok(recallAt10.low > 0 && recallAt10.low <= comparison.delta.recallAt10 && comparison.delta.recallAt10 <= recallAt10.high, JSON.stringify(recallAt10));
  // The same target twice: no change, and an interval that says so.
  const same = await compareSmoke(DOC_VECTORS, DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, ids: DOCS });
  assert.deepEqual(same.deltaIntervals.recallAt10, { low: 0, high: 0, method: 'paired bootstrap' });
  const text = runCliSync(['smoke', '--compare', `${DATA_DIR}docs_model_b.f32.npy`, DOC_VECTORS, '--questions', questions, '--query-vectors', queries, '--ids', DOCS]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /change recall@10 \+0\.\d+ \[\+0\.\d+, \+0\.\d+\]/);
  assert.match(text.stdout, /@10 0\.\d+ \[0\.\d+, 0\.\d+\]/);
});

test('--compare refuses targets whose id spaces differ: no improvement from row numbers becoming document ids', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const embedding = { kind: 'file' as const, path: queries };
  const all = await loadRows('docs.f32.npy', 20_000);
  // The guarded copy keeps every document's id; the raw file answers in row numbers.
  const guarded = join(dir, 'guarded.npy');
  await guardFile({ input: DOC_VECTORS, out: guarded, dim: DIM, metric: 'cosine', ids: DOCS });
  await assert.rejects(
    compareSmoke(DOC_VECTORS, guarded, { questions, embedding }),
    (error: unknown) => VectorclinicError.isInstance(error) && error.exitCode === 2 && /only 0 of 150 distinct expected ids/.test(error.message) && error.where === DOC_VECTORS,
  );
  // Two stores each holding a different two thirds of the expected documents: each is scored alone, the pair is not compared.
  const docIds = readFileSync(DOCS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const rowOf = new Map(docIds.map((id, row) => [id, row]));
  const expected = [
    ...new Set(
      queryLines()
        .slice(0, QUESTIONS)
        .flatMap((q) => q.expected),
    ),
  ];
  const third = Math.floor(expected.length / 3);
  const part = async (ids: readonly string[], name: string): Promise<string> => {
    const rows = ids.map((id) => rowOf.get(id) as number);
    const input = join(dir, `${name}-in.npy`);
    const data = new Float32Array(rows.length * DIM);
    rows.forEach((row, i) => data.set(all.subarray(row * DIM, (row + 1) * DIM), i * DIM));
    writeNpy(input, data, rows.length, DIM);
    const idFile = join(dir, `${name}-ids.jsonl`);
    writeFileSync(idFile, ids.map((id) => JSON.stringify({ id })).join('\n') + '\n');
    const out = join(dir, `${name}.npy`);
    await guardFile({ input, out, dim: DIM, metric: 'cosine', ids: idFile });
    return out;
  };
  const first = await part(expected.slice(0, 2 * third), 'first');
  const last = await part(expected.slice(expected.length - 2 * third), 'last');
  assert.ok((await smoke(first, { questions, embedding })).ids.found! >= expected.length / 2);
  await assert.rejects(
    compareSmoke(first, last, { questions, embedding }),
    (error: unknown) => VectorclinicError.isInstance(error) && error.exitCode === 2 && error.where === '--compare' && /hold different documents/.test(error.message),
  );
});

test('span questions are scored against document text', async (t) => {
  const dir = tempDir(t);
  const { questions, queries } = await subset(dir);
  const byId = await smoke(DOC_VECTORS, { questions, embedding: { kind: 'file', path: queries }, all: true, ids: DOCS });
  const found = byId.perQuestion.findIndex((outcome) => outcome.rank !== null);
  assert.ok(found >= 0);
  const outcome = byId.perQuestion[found]!;
  const docs = new Map(
    readFileSync(DOCS, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; text: string })
      .map((doc) => [doc.id, doc.text]),
  );
  const definition = docs.get(outcome.expected[0]!)!.split(': ').slice(1).join(': ');
  // Question `found` keeps its row, so row i of the query file still embeds it.
  const spans = join(dir, 'spans.jsonl');
  const lines = queryLines()
    .slice(0, found + 1)
    .map((q, i) => JSON.stringify(i === found ? { question: q.question, spans: [definition.toUpperCase(), 'zzqx not in any document'] } : { question: q.question, spans: ['zzqx'] }));
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
  const run = (...args: string[]) => runCliSync(['smoke', DOC_VECTORS, '--questions', questions, '--query-vectors', queries, '--ids', DOCS, ...args]);
  const ok = run('--format', 'json');
  assert.equal(ok.code, 0, ok.stderr);
  const json = JSON.parse(ok.stdout) as { questions: number; intervals: { recallAt10: { low: number; high: number; method: string } } };
  assert.equal(json.questions, QUESTIONS);
  assert.equal(json.intervals.recallAt10.method, 'wilson');
  // The JSON records what was run, as check reports do: the exact command and every input read.
  const { invocation } = JSON.parse(ok.stdout) as { invocation: { command: string; inputs: { role: string; path: string; sha256?: string }[] } };
  assert.equal(invocation.command, `vectorclinic smoke ${DOC_VECTORS} --questions ${questions} --query-vectors ${queries} --ids ${DOCS} --format json`);
  assert.deepEqual(
    invocation.inputs.map((input) => input.role),
    ['target', 'questions', 'queries', 'ids'],
  );
  assert.ok(
    invocation.inputs.every((input) => /^[0-9a-f]{64}$/.test(input.sha256 ?? '')),
    'files under 256 MiB are hashed',
  );
  const text = run();
  assert.match(text.stdout, /recall@1 [\d.]+ \[[\d.]+, [\d.]+\] {2}@5 [\d.]+ \[[\d.]+, [\d.]+\] {2}@10 [\d.]+ \[[\d.]+, [\d.]+\] {2}MRR [\d.]+ \[[\d.]+, [\d.]+\]/);
  assert.match(text.stdout, /95% intervals: Wilson score \(one answer per question\); percentile bootstrap over questions/);
  assert.match(text.stdout, /all 150 questions/);
  const gated = run('--min-recall', '0.99', '--all');
  assert.equal(gated.code, 1);
  const usage = runCliSync(['smoke', DOC_VECTORS, '--questions', questions]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /no query vectors\n {2}fix: pass --query-vectors/);
  const malformed = run('--search', 'ef=fast');
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /--search takes name=value with a positive integer value, got 'ef=fast'/);
  // Repeatable, and a target after it stays the target.
  const exact = runCliSync(['smoke', '--search', 'ef=64', '--search', 'nprobes=2', DOC_VECTORS, '--questions', questions, '--query-vectors', queries, '--ids', DOCS]);
  assert.equal(exact.code, 2);
  assert.match(exact.stderr, /is searched exactly: it has no search settings/);
});

test('a bare hnswlib file (no manifest) is searched at the library default, and the result says that value is assumed', async (t) => {
  const dir = tempDir(t);
  const { queries } = await subset(dir);
  const rows = 1_000;
  const docs = await loadRows('docs.f32.npy', rows);
  const hnswlibNode = (await import('hnswlib-node')).default;
  const index = new hnswlibNode.HierarchicalNSW('cosine', DIM);
  index.initIndex(rows, 16, 100, 0);
  for (let r = 0; r < rows; r++) index.addPoint(Array.from(docs.subarray(r * DIM, (r + 1) * DIM)), r);
  const file = join(dir, 'bare.hnswlib');
  index.writeIndexSync(file);
  const questions = join(dir, 'rows.jsonl');
  writeFileSync(
    questions,
    queryLines()
      .slice(0, QUESTIONS)
      .map((q, i) => JSON.stringify({ question: q.question, expected: [String(i % rows)] }))
      .join('\n') + '\n',
  );
  const result = await smoke(file, { questions, embedding: { kind: 'file', path: queries }, metric: 'cosine' });
  assert.match(result.method, /efSearch 10 assumed \(efSearch is not stored in hnswlib files;.*--search efSearch=N/);
  const chosen = await smoke(file, { questions, embedding: { kind: 'file', path: queries }, metric: 'cosine', search: { efSearch: 64 } });
  assert.match(chosen.method, /efSearch 64/);
  assert.doesNotMatch(chosen.method, /assumed/);
});
