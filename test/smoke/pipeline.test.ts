import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIdSidecar } from '../../src/manifest/ids.js';
import { manifestFilePath, readManifest } from '../../src/manifest/manifest.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import type { SmokeResult } from '../../src/smoke/index.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

const cli = (...args: string[]): CliRun => runCliSync(args);
const DOCS = `${DATA_DIR}docs.jsonl`;
const QUESTIONS = `${DATA_DIR}queries.jsonl`;
const QUERIES = `${DATA_DIR}queries.f32.npy`;
const ROWS = 20_000;

/**
 * The README's pipeline on the real corpus: all 20,000 documents with 3 zero and 2 NaN rows injected
 * (on documents that answer questions 1–5, so their loss shows), then
 *   guard in.npy … --out clean.npy --quarantine bad.jsonl
 *   rebuild clean.npy … --dedup --ids docs.jsonl --out docs.hnsw --apply
 *   smoke docs.hnsw --questions … --query-vectors …
 * with no id bookkeeping by hand: the guard records which input rows it kept, the rebuild maps
 * docs.jsonl through them, smoke answers in document ids.
 */
test('guard → rebuild → smoke on the real corpus with rejected rows: document ids all the way, recall@10 at exact search', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-pipeline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const docIds = readFileSync(DOCS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: string }).id);
  const rowOf = new Map(docIds.map((id, row) => [id, row]));
  const answerRows = readFileSync(QUESTIONS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 5)
    .map((line) => rowOf.get((JSON.parse(line) as { expected: string[] }).expected[0]!) as number);
  const data = await loadRows('docs.f32.npy', ROWS);
  for (const row of answerRows.slice(0, 3)) data.fill(0, row * DIM, (row + 1) * DIM);
  for (const row of answerRows.slice(3)) data[row * DIM + 7] = Number.NaN;
  const input = join(dir, 'in.npy');
  writeNpy(input, data, ROWS, DIM);

  const clean = join(dir, 'clean.npy');
  const guarded = cli('guard', input, '--dim', String(DIM), '--metric', 'cosine', '--out', clean, '--quarantine', join(dir, 'bad.jsonl'));
  assert.equal(guarded.code, 1, guarded.stderr);
  assert.match(guarded.stdout, /accepted 19,995 \+ rejected 5 \(nonfinite 2, zero 3\)/);
  const kept = readManifest(clean)!;
  const keptIds = readIdSidecar(manifestFilePath(kept.path, kept.manifest.ids!));
  assert.equal(keptIds.length, ROWS - 5);
  assert.deepEqual(kept.manifest.ids?.rowNumbersOf, { source: input, rows: ROWS });
  assert.ok(
    answerRows.every((row) => !keptIds.some(([id]) => id === String(row))),
    'rejected rows are not in the id list',
  );

  // A wrong id file is refused by the plan already, naming both counts that would work.
  const shortIds = join(dir, 'short.jsonl');
  writeFileSync(
    shortIds,
    docIds
      .slice(0, 100)
      .map((id) => JSON.stringify({ id }))
      .join('\n') + '\n',
  );
  const wrong = cli('rebuild', clean, '--metric', 'cosine', '--index', 'hnsw', '--ids', shortIds, '--out', join(dir, 'x.hnsw'));
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /the id file has 100 ids for 19,995 rows\n {2}fix: .*19,995 lines, or 20,000 \(one per row of .*in\.npy/);

  const index = join(dir, 'docs.hnsw');
  const rebuilt = cli('rebuild', clean, '--metric', 'cosine', '--index', 'hnsw', '--dedup', '--ids', DOCS, '--out', index, '--apply', '--no-check');
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /document ids: the ids in .*docs\.jsonl, for the rows of .*in\.npy this file kept/);

  const smoked = cli('smoke', index, '--questions', QUESTIONS, '--query-vectors', QUERIES, '--format', 'json');
  assert.equal(smoked.code, 0, smoked.stderr);
  const result = JSON.parse(smoked.stdout) as SmokeResult;
  assert.equal(result.questions, 2000);
  assert.equal(
    result.ids.expected,
    new Set(
      readFileSync(QUESTIONS, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => (JSON.parse(line) as { expected: string[] }).expected),
    ).size,
  );
  assert.equal(result.ids.found, result.ids.expected - 5, 'exactly the five rejected answers are missing');
  assert.ok(
    result.perQuestion.slice(0, 5).every((outcome) => outcome.rank === null),
    'their questions are misses',
  );
  assert.ok(result.intervals.recallAt10.low < result.recall.at10 && result.recall.at10 < result.intervals.recallAt10.high);

  // Guard given the ids keeps them itself: a rebuild then needs no --ids at all.
  const named = join(dir, 'named.npy');
  assert.equal(cli('guard', input, '--dim', String(DIM), '--metric', 'cosine', '--ids', DOCS, '--out', named).code, 1);
  const plan = cli('rebuild', named, '--metric', 'cosine', '--index', 'flat', '--out', join(dir, 'flat.npy'), '--apply', '--no-check');
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /document ids: the id list in the manifest \(named\.npy\.[\w-]+\.ids\.jsonl\)/);
  const flat = JSON.parse(cli('smoke', join(dir, 'flat.npy'), '--questions', QUESTIONS, '--query-vectors', QUERIES, '--format', 'json').stdout) as SmokeResult;
  assert.equal(flat.ids.found, result.ids.found);
  // The flat index is exact cosine search over the accepted rows: exact search over all 20,000 clean
  // documents answers 0.248 (docs/smoke.md), and the five rejected answers cost at most 0.0025.
  assert.ok(flat.recall.at10 >= 0.248 - 0.0025 - 1e-9 && flat.recall.at10 <= 0.248, `flat ${flat.recall.at10}`);
  // The rebuilt HNSW index (deduplicated, approximate) stays within 0.015 of it.
  assert.ok(result.recall.at10 >= flat.recall.at10 - 0.015 && result.recall.at10 <= flat.recall.at10 + 0.005, `hnsw ${result.recall.at10} vs flat ${flat.recall.at10}`);
});
