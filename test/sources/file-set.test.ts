import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy as writeNpyRows } from '../helpers/npy.js';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { UsageError } from '../../src/errors.js';
import { compareNatural } from '../../src/sources/files/file-set.js';
import { openSource } from '../../src/sources/open-source.js';
import { assertSameValues, assertScanMatchesReadRows, docsRows, DOCS_DIM, expectInputError, range, scanAll, tempDir } from './helpers.js';

/** A C-order <f4 .npy of `data.length / dim` rows. */
function writeNpy(path: string, data: Float32Array, dim: number): void {
  writeNpyRows(path, data, data.length / dim, dim);
}

function normalized(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let row = 0; row < data.length / dim; row++) {
    const values = data.subarray(row * dim, (row + 1) * dim);
    const norm = Math.hypot(...values);
    for (let j = 0; j < dim; j++) out[row * dim + j] = (values[j] as number) / norm;
  }
  return out;
}

const SHARD_ROWS = 100;
const shard = (index: number): Float32Array => docsRows(range(index * SHARD_ROWS, (index + 1) * SHARD_ROWS));

/** part-1 raw, part-2 normalized, part-10 raw (name order ≠ byte order), plus files to ignore. */
function shardDirectory(root: string): { dir: string; expected: Float32Array } {
  const dir = join(root, 'shards');
  mkdirSync(join(dir, 'nested'), { recursive: true });
  writeNpy(join(dir, 'part-1.npy'), shard(0), DOCS_DIM);
  writeNpy(join(dir, 'part-2.npy'), normalized(shard(1), DOCS_DIM), DOCS_DIM);
  writeNpy(join(dir, 'part-10.npy'), shard(2), DOCS_DIM);
  writeFileSync(join(dir, 'README.md'), '# shards\n');
  writeFileSync(join(dir, '_SUCCESS'), '');
  writeFileSync(join(dir, '.part-1.npy.crc'), 'x');
  writeNpy(join(dir, 'nested', 'part-3.npy'), shard(3), DOCS_DIM);
  const expected = new Float32Array(3 * SHARD_ROWS * DOCS_DIM);
  expected.set(shard(0), 0);
  expected.set(normalized(shard(1), DOCS_DIM), SHARD_ROWS * DOCS_DIM);
  expected.set(shard(2), 2 * SHARD_ROWS * DOCS_DIM);
  return { dir, expected };
}

test('a directory of .npy shards is one source; each file is a segment, in natural name order', async (t) => {
  const { dir, expected } = shardDirectory(tempDir(t));
  const source = await openSource(dir);
  const description = await source.describe();
  assert.equal(description.kind, 'npy');
  assert.equal(description.rows, 3 * SHARD_ROWS);
  assert.deepEqual(description.segments, [
    { name: 'part-1.npy', start: 0, rows: 100 },
    { name: 'part-2.npy', start: 100, rows: 100 },
    { name: 'part-10.npy', start: 200, rows: 100 },
  ]);
  const notes = description.notes?.join('\n') ?? '';
  assert.match(notes, /3 files read as one store/);
  assert.match(notes, /ignored 1 files of no known format: .*README\.md/);
  assert.match(notes, /subdirectories are not read: nested/);
  assertSameValues((await scanAll(source, 30 * DOCS_DIM)).data, expected);
  await assertScanMatchesReadRows(source, [0, 99, 100, 101, 150, 199, 200, 299]);
  await source.close();
});

test('mixed shards are reported per file', async (t) => {
  const { dir } = shardDirectory(tempDir(t));
  const report = await check(dir, { metric: 'cosine', dim: DOCS_DIM, sample: 300 });
  const finding = report.findings.find((f) => f.code === 'mixed-norm-shards');
  assert.equal(finding?.severity, 'fail');
  const segments = finding?.evidence.segments as { name: string; unitShare: number }[];
  assert.deepEqual(
    segments.map((segment) => [segment.name, segment.unitShare]),
    [
      ['part-1.npy', 0],
      ['part-2.npy', 1],
      ['part-10.npy', 0],
    ],
  );
});

test('a glob in the file name selects files the same way', async (t) => {
  const { dir, expected } = shardDirectory(tempDir(t));
  const source = await openSource(join(dir, 'part-*.npy'));
  assert.deepEqual(
    (await source.describe()).segments?.map((s) => s.name),
    ['part-1.npy', 'part-2.npy', 'part-10.npy'],
  );
  assertSameValues((await scanAll(source)).data, expected);
  await source.close();
  const some = await openSource(join(dir, 'part-[12].npy'));
  assert.deepEqual(
    (await some.describe()).segments?.map((s) => s.name),
    ['part-1.npy', 'part-2.npy'],
  );
  await some.close();
  const single = await openSource(join(dir, 'part-?0.npy'));
  assert.deepEqual(
    (await single.describe()).segments?.map((s) => s.name),
    ['part-10.npy'],
  );
  await single.close();
  await expectInputError(() => openSource(join(dir, '*.parquet')), /no files match/);
  const error = await expectInputError(() => openSource(join(dir, '*', 'part-3.npy')), /only supported in the file name/);
  assert.ok(error instanceof UsageError);
});

test('files that disagree on dimension: an error naming the odd file and its first row', async (t) => {
  const dir = tempDir(t);
  writeNpy(join(dir, 'a.npy'), shard(0), DOCS_DIM);
  writeNpy(join(dir, 'b.npy'), docsRows(range(0, 96)).subarray(0, 96 * 96), 96);
  const error = await expectInputError(() => openSource(dir), /holds 96-d vectors but .*a\.npy holds 128-d vectors/);
  assert.equal(error.where, join(dir, 'b.npy'));
  assert.equal(error.row, SHARD_ROWS);
});

test('files of several formats are an error; a glob picks one format', async (t) => {
  const dir = tempDir(t);
  writeNpy(join(dir, 'a.npy'), shard(0), DOCS_DIM);
  writeFileSync(join(dir, 'b.jsonl'), `${JSON.stringify({ embedding: Array.from(shard(1).subarray(0, DOCS_DIM)) })}\n`);
  await expectInputError(() => openSource(dir), /several formats \(1 npy, 1 jsonl\)/);
  const source = await openSource(join(dir, '*.jsonl'));
  assert.equal((await source.describe()).rows, 1);
  await source.close();
});

test('an empty file among the shards is an error naming it', async (t) => {
  const dir = tempDir(t);
  writeNpy(join(dir, 'a.npy'), shard(0), DOCS_DIM);
  writeFileSync(join(dir, 'b.npy'), '');
  const error = await expectInputError(() => openSource(dir), /file is empty/);
  assert.equal(error.where, join(dir, 'b.npy'));
});

test('JSONL shards: row issues get whole-set row numbers and name their file', async (t) => {
  const dir = tempDir(t);
  const line = (row: number, length = DOCS_DIM): string => JSON.stringify({ embedding: Array.from(docsRows([row])).slice(0, length) });
  writeFileSync(join(dir, '1.jsonl'), [line(0), line(1), line(2)].join('\n'));
  writeFileSync(join(dir, '2.jsonl'), [line(3), line(4, 64), line(5)].join('\n'));
  const source = await openSource(dir);
  const scanned = await scanAll(source);
  assert.deepEqual(scanned.rows, [0, 1, 2, 3, 5]);
  assert.deepEqual(
    scanned.issues.map((issue) => [issue.row, issue.kind, issue.detail]),
    [[4, 'length', '2.jsonl: 64 values instead of 128']],
  );
  await assertScanMatchesReadRows(source, [2, 3, 4, 5]);
  await source.close();
});

test('more files than stay open at once are opened on demand', async (t) => {
  const dir = tempDir(t);
  const files = 70;
  const all = docsRows(range(0, 2 * files));
  for (let i = 0; i < files; i++) writeNpy(join(dir, `shard-${i}.npy`), all.subarray(i * 2 * DOCS_DIM, (i + 1) * 2 * DOCS_DIM), DOCS_DIM);
  const source = await openSource(dir);
  assert.equal((await source.describe()).segments?.length, files);
  assertSameValues((await scanAll(source)).data, all);
  await assertScanMatchesReadRows(source, [0, 1, 2, 77, 139]);
  await source.close();
});

test('natural name order: numbers compare by value', () => {
  const names = ['part-10.npy', 'part-2.npy', 'part-1.npy', 'part-02b.npy', 'Part-3.npy', 'part-0010.npy', 'part.npy'];
  assert.deepEqual([...names].sort(compareNatural), ['Part-3.npy', 'part-1.npy', 'part-2.npy', 'part-02b.npy', 'part-0010.npy', 'part-10.npy', 'part.npy']);
  assert.ok(compareNatural('x-99999999999999999999', 'x-100000000000000000000') < 0, 'digit runs beyond 2^53');
  assert.equal(compareNatural('same-1.npy', 'same-1.npy'), 0);
});
