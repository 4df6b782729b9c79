import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { CheckOptionsInput } from '../../src/api/check-options.js';
import type { Report } from '../../src/core/report.js';
import { VectorclinicError } from '../../src/errors.js';
import { bigLabelHnswlib, fixture, withTempDir } from './fixtures.js';

const problems = (report: Report): string[] =>
  report.findings
    .filter((finding) => finding.severity !== 'info')
    .map((finding) => `${finding.code}:${finding.severity}`)
    .sort();
const status = (report: Report, code: string): string | undefined => report.checks.find((outcome) => outcome.code === code)?.status;
const cosine: CheckOptionsInput = { metric: 'cosine', dim: 128 };
const withReference: CheckOptionsInput = { ...cosine, vectors: fixture('reference.npy') };

test('clean index files report nothing, and their ANN audit runs through the library', async () => {
  for (const name of ['langchain-cosine/hnswlib.index', 'cos-f32.usearch', 'cos-f16.usearch', 'cos-i8.usearch', 'big-keys.usearch']) {
    const report = await check(fixture(name), cosine);
    assert.deepEqual(problems(report), [], name);
    assert.equal(status(report, 'ann-recall'), 'pass', `${name}: audit ran and passed`);
    assert.equal(status(report, 'id-collision'), 'pass', name);
  }
});

test('raw vectors in an inner-product or L2 index declared cosine: metric-mismatch', async () => {
  for (const name of ['ip-raw.hnswlib', 'l2-raw.hnswlib', 'ip-f32.usearch', 'l2sq-f32.usearch']) {
    const report = await check(fixture(name), cosine);
    assert.ok(
      problems(report).some((code) => code.startsWith('metric-mismatch:')),
      `${name}: ${problems(report)}`,
    );
    assert.ok(!problems(report).includes('id-collision:fail'), name);
  }
});

test('broken hnswlib files report their exact codes', async () => {
  assert.deepEqual(problems(await check(fixture('empty.hnswlib'), cosine)), ['empty-index:fail']);
  assert.deepEqual(problems(await check(fixture('duplicate-labels.hnswlib'), cosine)), ['id-collision:fail']);
  // efSearch is not stored in hnswlib files: judged at the best setting measured (about 60%), below the 90% line;
  // half the rows stay unreachable by their own vector at every ef (M 2, efConstruction 4).
  assert.deepEqual(problems(await check(fixture('low-m.hnswlib'), cosine)), ['ann-recall:warn', 'unreachable-rows:fail']);
});

test('with --vectors: a clean index holds exactly the reference rows and finds their neighbours', async () => {
  const report = await check(fixture('langchain-cosine/hnswlib.index'), withReference);
  assert.deepEqual(problems(report), []);
  assert.equal(status(report, 'count-mismatch'), 'pass');
  assert.equal(status(report, 'ann-recall'), 'pass');
});

test('with --vectors: overwritten labels and a missing batch are count-mismatch, with the missing ids', async () => {
  const overwritten = await check(fixture('label-overwrite.hnswlib'), withReference);
  const mismatch = overwritten.findings.find((finding) => finding.code === 'count-mismatch');
  assert.equal(mismatch?.severity, 'fail');
  assert.deepEqual((mismatch!.evidence.missingIds as { count: number }).count, 250);
  assert.equal((mismatch!.evidence.overwritten as { count: number }).count, 250);

  const missing = await check(fixture('missing-batch.hnswlib'), withReference);
  const finding = missing.findings.find((candidate) => candidate.code === 'count-mismatch');
  assert.deepEqual(finding?.evidence.missingIds, { count: 150, first: ['200', '201', '202', '203', '204', '205', '206', '207', '208', '209'] });
  assert.equal(finding?.evidence.overwritten, undefined);

  // usearch: a removed key is a missing row.
  const removed = await check(fixture('cos-i8.usearch'), withReference);
  assert.deepEqual(removed.findings.find((candidate) => candidate.code === 'count-mismatch')?.evidence.missingIds, { count: 1, first: ['7'] });

  // Without a reference, the count cannot be checked.
  assert.equal(status(await check(fixture('missing-batch.hnswlib'), cosine), 'count-mismatch'), 'not-applicable');
});

test('--vectors with keys that are not row numbers: reference row r is the index row r', async () => {
  const report = await check(fixture('big-keys.usearch'), withReference);
  assert.deepEqual(problems(report), []);
  assert.equal(status(report, 'ann-recall'), 'pass');
});

test('when hnswlib-node cannot load the file (labels beyond 2^53), search falls back to exact search over the stored vectors', async () => {
  await withTempDir(async (dir) => {
    const path = bigLabelHnswlib(dir);

    // Alone, exact search would only be compared with itself: no audit, and the report says why.
    const alone = await check(path, cosine);
    assert.equal(status(alone, 'ann-recall'), 'not-applicable');
    assert.ok(
      alone.notes.some((note) => note.includes('exact search over the stored vectors')),
      alone.notes.join('\n'),
    );

    // Against the reference, the fallback search measures the index's vectors against the source's.
    const referenced = await check(path, withReference);
    assert.equal(status(referenced, 'ann-recall'), 'pass');
    assert.equal(status(referenced, 'count-mismatch'), 'pass');
  });
});

test('--vectors of another dimension is a usage error', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'short.fvecs');
    const row = Buffer.alloc(4 + 4 * 3);
    row.writeInt32LE(3, 0);
    writeFileSync(path, row);
    await assert.rejects(check(fixture('cos-f32.usearch'), { ...cosine, vectors: path }), (error: unknown) => {
      assert.ok(VectorclinicError.isInstance(error));
      assert.match((error as Error).message, /3-dimensional vectors, the index 128/);
      return true;
    });
  });
});
