import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { applyWhitening, fitWhitening } from '../../src/rebuild/whiten.js';
import { writeNpy } from '../helpers/npy.js';
import { head, normalized, tempDir, wordnet, type Matrix } from '../helpers/wordnet.js';

// Whitened real embeddings (WordNet × fastText, whitened with the rebuild's own transform) against
// the same embeddings as the model wrote them.
const dir = tempDir(after);
const ROWS = 4000;
let counter = 0;

function save(matrix: Matrix): string {
  const path = join(dir, `whitening-${counter++}.npy`);
  writeNpy(path, matrix.data, matrix.rows, matrix.dim, '<f4');
  return path;
}

function whitenedWith(fit: Matrix, target: Matrix): Matrix {
  const data = target.data.slice();
  applyWhitening(fitWhitening(fit.data, fit.rows, fit.dim), data, target.rows);
  return normalized({ ...target, data });
}

function findings(report: Report, code: string) {
  return report.findings.filter((f) => f.code === code && f.severity !== 'info');
}

const docs = head(wordnet(), ROWS);
const whitened = whitenedWith(docs, docs);
const rawQueries = normalized(head(wordnet('queries.f32.npy'), 300));

describe('whitened vectors', () => {
  test('a whitened store with no policy about it warns metric-mismatch and is observed whitened', async () => {
    const report = await check(save(whitened), { metric: 'cosine' });
    assert.equal(report.policy.observed.whitened, true);
    const [warning] = findings(report, 'metric-mismatch');
    assert.ok(warning, JSON.stringify(report.findings));
    assert.equal(warning.severity, 'warn');
    assert.ok((warning.evidence.pc1Share as number) <= 1.5 * (warning.evidence.isotropicShare as number));
    assert.ok(Math.abs(warning.evidence.meanCosine as number) < 0.05);
  });

  test("the model's own vectors are observed not whitened and raise no whitening finding", async () => {
    const report = await check(save(normalized(docs)), { metric: 'cosine' });
    assert.equal(report.policy.observed.whitened, false);
    assert.equal(report.verdict, 'pass', JSON.stringify(report.findings));
  });

  test('raw queries against a whitened store fail normalization-drift', async () => {
    const report = await check(save(whitened), { metric: 'cosine', queries: save(rawQueries) });
    const [drift] = findings(report, 'normalization-drift');
    assert.ok(drift, JSON.stringify(report.findings));
    assert.equal(drift.severity, 'fail');
    assert.equal(drift.evidence.storeWhitened, true);
    assert.equal(drift.evidence.queryWhitened, false);
  });

  test('queries whitened with the same transform are not a drift', async () => {
    const queries = whitenedWith(docs, head(wordnet('queries.f32.npy'), 300));
    const report = await check(save(whitened), { metric: 'cosine', queries: save(queries) });
    assert.deepEqual(findings(report, 'normalization-drift'), []);
  });
});
