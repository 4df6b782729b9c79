import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { openJsonl } from '../../src/sources/files/jsonl.js';
import { LineIndex, MAX_LINE_BYTES } from '../../src/sources/files/line-index.js';
import { LocalFile } from '../../src/sources/files/local-file.js';
import { printedRoundingSigma } from '../../src/sources/files/printed-precision.js';
import { openSource } from '../../src/sources/open-source.js';
import { assertSameValues, assertScanMatchesReadRows, docsRows, DOCS_DIM, expectInputError, fixtures, range, scanAll, tempDir } from './helpers.js';
import { countBytesRead } from './read-counter.js';

const ROWS = 300;
const reference = docsRows(range(0, ROWS));
const row = (index: number): number[] => Array.from(reference.subarray(index * DOCS_DIM, (index + 1) * DOCS_DIM));

/** One JSON object per row, as JSON.stringify writes float32 values (shortest round-trip text). */
function jsonLines(rows: number, line: (index: number) => unknown): string {
  return (
    range(0, rows)
      .map((index) => JSON.stringify(line(index)))
      .join('\n') + '\n'
  );
}

test('JSONL rows equal the source rows; samples equal the scan', async (t) => {
  const path = join(tempDir(t), 'docs.jsonl');
  writeFileSync(
    path,
    jsonLines(ROWS, (i) => ({ id: `doc-${i}`, text: `document ${i} — ünïcödé`, embedding: row(i) })),
  );
  const source = openJsonl(path);
  const description = await source.describe();
  assert.deepEqual([description.kind, description.rows, description.dim], ['jsonl', ROWS, DOCS_DIM]);
  assert.ok(description.notes?.some((note) => note.includes("field 'embedding' (auto-detected")));
  assertSameValues((await scanAll(source, 7 * DOCS_DIM)).data, reference);
  await assertScanMatchesReadRows(source, [0, 1, 2, 6, 7, 150, 298, 299]);
  await source.close();
});

test('.ndjson is JSONL; blank lines, CRLF and a BOM are tolerated and rows skip blank lines', async (t) => {
  const path = join(tempDir(t), 'docs.ndjson');
  const lines = range(0, 5).map((i) => JSON.stringify({ vector: row(i) }));
  writeFileSync(path, `\ufeff${lines[0]}\r\n\r\n${lines[1]}\r\n${lines[2]}\n\n\n${lines[3]}\n${lines[4]}`);
  const source = await openSource(path);
  const description = await source.describe();
  assert.deepEqual([description.kind, description.rows], ['jsonl', 5]);
  assertSameValues((await scanAll(source)).data, reference.subarray(0, 5 * DOCS_DIM));
  assertSameValues((await source.readRows([3])).data, row(3));
  await source.close();
});

test('the embedding field: common names, nested paths, --field, bare arrays', async (t) => {
  const dir = tempDir(t);
  const cases: [string, (i: number) => unknown, string | undefined, string][] = [
    ['pinecone.jsonl', (i) => ({ id: `${i}`, values: row(i), metadata: { text: 'x' } }), undefined, "field 'values'"],
    ['nested.jsonl', (i) => ({ id: i, data: { embedding: row(i) } }), undefined, "field 'data.embedding'"],
    ['bare.jsonl', (i) => row(i), undefined, 'each line is an array'],
    ['custom.jsonl', (i) => ({ doc: { dense: row(i) }, ids: [1, 2, 3] }), 'doc.dense', ''],
    ['flat-dotted.jsonl', (i) => ({ 'doc.dense': row(i) }), 'doc.dense', ''],
  ];
  for (const [name, line, field, note] of cases) {
    const path = join(dir, name);
    writeFileSync(path, jsonLines(4, line));
    const source = openJsonl(path, field ? { field } : {});
    const description = await source.describe();
    assert.equal(description.dim, DOCS_DIM, name);
    if (note)
      assert.ok(
        description.notes?.some((text) => text.includes(note)),
        `${name}: ${description.notes}`,
      );
    assertSameValues((await scanAll(source)).data, reference.subarray(0, 4 * DOCS_DIM), name);
    await source.close();
  }
});

test('several embedding-like fields: the best-ranked name wins and the others are noted', async (t) => {
  const path = join(tempDir(t), 'two.jsonl');
  writeFileSync(
    path,
    jsonLines(3, (i) => ({ vec: [1, 2], embedding: row(i) })),
  );
  const source = openJsonl(path);
  assert.ok((await source.describe()).notes?.some((note) => note.includes("field 'embedding'") && note.includes('also found vec')));
  await source.close();
});

test('no embedding field: the error lists the fields seen and points at --field', async (t) => {
  const dir = tempDir(t);
  const unnamed = join(dir, 'unnamed.jsonl');
  writeFileSync(
    unnamed,
    jsonLines(3, (i) => ({ id: i, text: 'a', meta: { dense: row(i) } })),
  );
  const error = await expectInputError(() => openJsonl(unnamed), /no embedding field found in the first 3 lines \(fields: id, text, meta\.dense\)/);
  assert.match(error.hint ?? '', /--field/);
  await expectInputError(() => openJsonl(unnamed, { field: 'missing' }), /field 'missing' is missing from the first 3 lines/);
  const strings = join(dir, 'base64.jsonl');
  writeFileSync(
    strings,
    jsonLines(3, () => ({ embedding: 'AAAAAAAAgD8=' })),
  );
  await expectInputError(() => openJsonl(strings), /no embedding field/);
  await expectInputError(() => openJsonl(strings, { field: 'embedding' }), /field 'embedding' holds the string "AAAAAAAAgD8=", not an array of numbers/);
});

test('rows that are not dim numbers become row issues and are left out of the data', async (t) => {
  const path = join(tempDir(t), 'faults.jsonl');
  const faults: Record<number, unknown> = {
    3: { embedding: row(3).slice(0, 127) },
    5: { embedding: null },
    8: { id: 'no vector' },
    9: { embedding: row(9).map((value, j) => (j === 4 ? 'x' : value)) },
    12: { embedding: row(12).map((value, j) => (j === 7 ? null : value)) },
    14: { embedding: [...row(14), 0.5] },
  };
  writeFileSync(
    path,
    jsonLines(20, (i) => faults[i] ?? { embedding: row(i) }),
  );
  const source = openJsonl(path);
  assert.equal((await source.describe()).dim, DOCS_DIM, 'the dimension most rows have');
  const scanned = await scanAll(source, 4 * DOCS_DIM);
  const issues = Object.fromEntries(scanned.issues.map((issue) => [issue.row, [issue.kind, issue.length]]));
  assert.deepEqual(issues, { 3: ['length', 127], 5: ['null', undefined], 8: ['null', undefined], 9: ['parse', undefined], 12: ['null', undefined], 14: ['length', 129] });
  const good = range(0, 20).filter((i) => faults[i] === undefined);
  assert.deepEqual(scanned.rows, good);
  assertSameValues(scanned.data, good.flatMap(row));
  assert.ok(scanned.issues.every((issue) => typeof issue.byteOffset === 'number' && issue.byteOffset > 0));
  await assertScanMatchesReadRows(source, [2, 3, 4, 9, 19]);
  await source.close();

  const report = await check(path, { metric: 'l2', dim: DOCS_DIM, sample: 10 });
  const finding = report.findings.find((f) => f.code === 'dimension-mismatch');
  assert.equal(finding?.severity, 'fail');
  assert.equal(finding?.evidence.raggedRows, 6);
});

test('a line that is not JSON is an InputError with its physical line number and byte offset', async (t) => {
  const path = join(tempDir(t), 'broken.jsonl');
  const good = JSON.stringify({ embedding: [1, 2] });
  const content = `\n\n${good}\n\n${good}\n{"embedding": [1, 2}\n${good}\n`;
  writeFileSync(path, content);
  // The first lines are parsed at open (to find the field and dimension), so the error comes early.
  const error = await expectInputError(() => openJsonl(path), /^line 6 is not valid JSON/);
  assert.equal(error.row, 2);
  const lineStart = content.indexOf('{"embedding": [1, 2}');
  assert.equal(error.byteOffset, lineStart + '{"embedding": [1, 2'.length, 'the offset of the bad character');
  assert.match(error.hint ?? '', /fix or remove this line/);
});

test('a broken line past the rows parsed at open fails the scan', async (t) => {
  const path = join(tempDir(t), 'late.jsonl');
  writeFileSync(path, `${jsonLines(1200, () => ({ embedding: [1, 2] }))}{"embedding": [1, 2]]\n`);
  const source = openJsonl(path);
  const error = await expectInputError(() => scanAll(source), /^line 1201 is not valid JSON/);
  assert.equal(error.row, 1200);
  await source.close();
});

test('a cut-off last line says the file was truncated', async (t) => {
  const path = join(tempDir(t), 'cut.jsonl');
  const text = jsonLines(10, (i) => ({ embedding: row(i) }));
  writeFileSync(path, text.slice(0, text.length - 300));
  const error = await expectInputError(() => openJsonl(path), /line 10 is not valid JSON/);
  assert.match(error.hint ?? '', /last line is cut off/);
});

test("Python's NaN / Infinity / -Infinity tokens read as non-finite values; strings keep them as text", async () => {
  const path = join(fixtures, 'jsonl/python-nonfinite.jsonl');
  const source = openJsonl(path);
  const { data, issues } = await scanAll(source);
  assert.deepEqual(issues, []);
  assertSameValues(data, [0.5, -0.25, 0.125, 1, NaN, 0, 0, 1, 0, Infinity, 0, 0, 0, 0, -Infinity, 0.5, 1, 2, 3, 4]);
  await source.close();
  const report = await check(path, { metric: 'l2', sample: 10 });
  assert.equal(report.findings.find((f) => f.code === 'nonfinite-values')?.severity, 'fail');
});

test('unit vectors printed with 3 decimals still count as unit length; raw ones do not', async (t) => {
  const dir = tempDir(t);
  const unit = (i: number): number[] => {
    const values = row(i);
    const norm = Math.hypot(...values);
    return values.map((value) => Math.round((value / norm) * 1000) / 1000);
  };
  const rounded = join(dir, 'rounded.jsonl');
  writeFileSync(
    rounded,
    jsonLines(ROWS, (i) => ({ embedding: unit(i) })),
  );
  const source = openJsonl(rounded);
  const tolerance = (await source.describe()).normTolerance;
  await source.close();
  assert.ok(tolerance > 1e-3 && tolerance < 3e-3, `tolerance ${tolerance} reflects 3-decimal rounding`);
  const report = await check(rounded, { metric: 'cosine', dim: DOCS_DIM, sample: ROWS });
  assert.equal(report.policy.observed.normState, 'unit');
  assert.equal(report.stats.unitRows, ROWS);

  const full = join(dir, 'full.jsonl');
  writeFileSync(
    full,
    jsonLines(ROWS, (i) => ({ embedding: row(i) })),
  );
  const fullSource = openJsonl(full);
  assert.ok((await fullSource.describe()).normTolerance < 2e-4, 'full precision keeps the float32 tolerance');
  await fullSource.close();
});

test('printed rounding noise: fixed decimals and significant digits', () => {
  const values = row(0);
  const norm = Math.hypot(...values);
  const unit = values.map((value) => value / norm);
  const decimals4 = unit.map((value) => Math.round(value * 1e4) / 1e4);
  assert.ok(Math.abs(printedRoundingSigma(decimals4) - 1e-4 / Math.sqrt(12)) < 2e-6);
  const significant3 = unit.map((value) => Number(value.toPrecision(3)));
  const sigma = printedRoundingSigma(significant3);
  assert.ok(sigma > 1e-4 && sigma < 1e-3, `3 significant digits: ${sigma}`);
  assert.ok(printedRoundingSigma(Array.from(Float32Array.from(unit))) < 1e-7, 'shortest float32 text is fine-grained');
});

test('sampled rows are positioned reads: a few rows read a few lines, not the file', async (t) => {
  const path = join(tempDir(t), 'docs.jsonl');
  const text = jsonLines(ROWS, (i) => ({ id: i, embedding: row(i) }));
  writeFileSync(path, text);
  const source = openJsonl(path);
  const lineBytes = text.length / ROWS;
  const { result, bytes, reads } = await countBytesRead(() => source.readRows([10, 150, 290]));
  assert.equal(result.count, 3);
  assert.equal(reads, 3, 'rows far apart: one read each');
  assert.ok(bytes < 3 * lineBytes * 1.5, `read ${bytes} bytes for 3 lines of ~${Math.round(lineBytes)}`);
  await source.close();
});

test('a "line" longer than the limit (not line-delimited text) is rejected, found while indexing', async (t) => {
  const path = join(tempDir(t), 'one-line.jsonl');
  writeFileSync(path, Buffer.concat([Buffer.from('{"embedding": [1]}\n'), Buffer.alloc(50_000, 0x41)]));
  const file = LocalFile.open(path);
  try {
    const error = await expectInputError(() => LineIndex.build(file, 10_000), /^line 2 is 50000 bytes long \(the limit is 10000\)/);
    assert.equal(error.byteOffset, 19);
  } finally {
    file.close();
  }
  assert.ok(MAX_LINE_BYTES >= 16 << 20, 'the default leaves room for documents stored next to the vector');
});

test('a file of blank lines has no rows: an InputError', async (t) => {
  const path = join(tempDir(t), 'blank.jsonl');
  writeFileSync(path, '\n \n\t\n');
  await expectInputError(() => openJsonl(path), /only blank lines/);
});
