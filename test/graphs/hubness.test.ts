import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { writeNpy } from '../helpers/npy.js';
import { head, normalized, tempDir, wordnet } from '../helpers/wordnet.js';

const dir = tempDir(after);
const ROWS = 3000;
const DIM = 128;
const collapseOf = (report: Report): Finding | undefined => report.findings.find((finding) => finding.code === 'neighbor-collapse');

function save(name: string, data: Float32Array, rows: number): string {
  const path = join(dir, name);
  writeNpy(path, data, rows, DIM);
  return path;
}

test('clean real fastText embeddings (somewhat hubby): no warning, and the report says what the k-occurrence numbers mean', async () => {
  for (const [name, rows] of [
    ['model-a.npy', normalized(head(wordnet(), ROWS))],
    ['model-b.npy', normalized(head(wordnet('docs_model_b.f32.npy'), ROWS))],
  ] as const) {
    const report = await check(save(name, rows.data, ROWS), { metric: 'cosine', dim: DIM });
    assert.equal(collapseOf(report), undefined, `${name}: ${collapseOf(report)?.message}`);
    const meaning = report.plots?.kOccurrence?.meaning ?? '';
    assert.match(meaning, /hub-free store/);
    assert.match(meaning, /(not enough to damage retrieval|no hubness)/, meaning);
  }
});

test('one row near the centre of the cloud in most top-20 lists: a hub warning even though the mean overlap passes', async () => {
  const rows = normalized(head(wordnet(), ROWS));
  // Replace every 100th row by the normalized mean of all rows: a few boilerplate-like hubs next to every query.
  const mean = new Float64Array(DIM);
  for (let i = 0; i < ROWS; i++) for (let j = 0; j < DIM; j++) mean[j]! += rows.data[i * DIM + j]!;
  const norm = Math.hypot(...mean);
  const data = rows.data.slice();
  for (let i = 0; i < ROWS; i += 100) for (let j = 0; j < DIM; j++) data[i * DIM + j] = mean[j]! / norm;
  const report = await check(save('hub.npy', data, ROWS), { metric: 'cosine', dim: DIM });
  const found = collapseOf(report);
  assert.ok(found, 'neighbor-collapse reports the hub');
  const hubness = found.evidence.hubness as { damage: string; topHubListShare: number };
  assert.equal(hubness.damage, 'majority-hub');
  assert.ok(hubness.topHubListShare >= 0.5);
  assert.equal(report.plots?.kOccurrence?.meaning, (found.evidence.hubness as { meaning: string }).meaning, 'the plot and the finding say the same');
});
