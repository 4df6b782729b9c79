import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import hnswlibNode from 'hnswlib-node';
import { check } from '../../src/api/check.js';
import { formatHtml } from '../../src/reporters/html.js';
import type { CheckOptionsInput } from '../../src/api/check-options.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { fixture } from '../ann/fixtures.js';
import { head, tempDir, wordnet } from '../helpers/wordnet.js';
import { graphFixture } from './fixtures.js';

const cosine: CheckOptionsInput = { metric: 'cosine', dim: 128 };
const dir = tempDir(after);

const unreachable = (report: Report): Finding | undefined => report.findings.find((finding) => finding.code === 'unreachable-rows');
const status = (report: Report): string | undefined => report.checks.find((outcome) => outcome.code === 'unreachable-rows')?.status;

test('well-built graphs (M 16) on real embeddings: every row is found by its own vector, nothing reported', async () => {
  // 3,000 real fastText rows in a graph built by hnswlib itself with M 16: a clean control at a realistic density.
  const rows = head(wordnet(), 3000);
  const index = new hnswlibNode.HierarchicalNSW('cosine', rows.dim);
  index.initIndex(rows.rows, 16, 64, 100);
  for (let i = 0; i < rows.rows; i++) index.addPoint(Array.from(rows.data.subarray(i * rows.dim, (i + 1) * rows.dim)), i);
  const built = join(dir, 'clean-m16.hnswlib');
  index.writeIndexSync(built);
  for (const path of [built, fixture('langchain-cosine/hnswlib.index'), fixture('cos-f32.usearch'), graphFixture('../faiss/hnsw_ip_unit.faiss')]) {
    const report = await check(path, cosine);
    assert.equal(unreachable(report), undefined, `${path}: ${unreachable(report)?.message}`);
    assert.equal(status(report), 'pass', path);
  }
});

test('FAISS HNSW with M 2 on clustered rows: unreachable rows that no efSearch brings back, a rebuild', async () => {
  const path = graphFixture('faiss/hnsw-m2-clustered.faiss');
  const before = readFileSync(path);
  const report = await check(path, cosine);
  const found = unreachable(report);
  assert.ok(found, JSON.stringify(report.findings.map((finding) => finding.code)));
  assert.equal(found.severity, 'fail');
  assert.ok((found.evidence.unreachableShare as number) > 0.2);
  assert.equal(found.evidence.recoveredAt, null);
  assert.deepEqual(found.evidence.parameter, { name: 'efSearch', current: 32, from: 'index' });
  assert.equal((found.evidence.firstIds as string[]).length, 10);
  assert.match(found.fix, /M 2, efConstruction 4/);
  assert.ok(readFileSync(path).equals(before), 'check leaves the file byte-identical');
  // The HTML report draws the share against the setting, from the same numbers as the finding.
  const plot = report.plots?.unreachableRows;
  assert.ok(plot);
  assert.equal(plot.points[0]!.share, found.evidence.unreachableShare);
  assert.equal(plot.points.length, (found.evidence.sweep as unknown[]).length + 1);
  const html = formatHtml(report);
  assert.match(html, /id="plot-unreachable-rows"[\s\S]*?<svg/);
});

test('hnswlib with M 3 on rows stored five times: duplicates tie and are left out, the rest still cut off', async () => {
  const report = await check(graphFixture('hnswlib/duplicated-low-m.hnswlib'), cosine);
  const found = unreachable(report);
  assert.ok(found, JSON.stringify(report.findings.map((finding) => finding.code)));
  assert.equal(found.severity, 'warn');
  assert.ok((found.evidence.duplicateTies as number) > 0, 'misses that returned an identical copy are ties');
  assert.equal(found.evidence.recoveredAt, null);
  assert.match(found.fix, /exact duplicate rows first/);
});

test('a low efSearch set by the application: the sweep names the setting that brings the rows back', async () => {
  const report = await check(fixture('../faiss/hnsw_ip_unit.faiss'), { ...cosine, search: { efSearch: 1 } });
  const found = unreachable(report);
  assert.ok(found);
  assert.equal(found.severity, 'warn');
  assert.equal(typeof found.evidence.recoveredAt, 'number');
  assert.match(found.fix, /Set efSearch to at least \d+/);
});

test('hnswlib M 2 at its assumed default ef: judged at the largest setting measured, still unreachable', async () => {
  const report = await check(fixture('low-m.hnswlib'), cosine);
  const found = unreachable(report);
  assert.ok(found);
  assert.equal((found.evidence.parameter as { from: string }).from, 'default');
  assert.equal(found.evidence.recoveredAt, null);
  assert.equal(found.severity, 'fail');
});

test('inner product over raw vectors: rows exact search does not return for their own vector are left out, not called unreachable', async () => {
  const report = await check(fixture('ip-raw.hnswlib'), { metric: 'ip', dim: 128 });
  const found = unreachable(report);
  assert.ok(found, 'the IP graph over raw vectors misses low-norm rows that exact search does return');
  assert.ok((found.evidence.notOwnAnswer as number) > 0);
  const plot = report.plots?.unreachableRows;
  assert.equal(plot?.rows, (found.evidence.rowsProbed as number) - (found.evidence.duplicateTies as number) - (found.evidence.notOwnAnswer as number));
});
