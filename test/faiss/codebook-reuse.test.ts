import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { FIXTURES_DIR } from './fixtures.js';

/**
 * Codebooks reused after whitening (scripts/fixtures/faiss/make_codebook_reuse.py): IVF indexes
 * trained on raw model-A rows, filled with the same rows whitened and re-normalized. The vectors
 * look healthy; only a retrain comparison shows the centroids were trained for other vectors.
 */
const fixture = (name: string) => `${FIXTURES_DIR}${name}.faiss`;

test('IVF-Flat centroids trained before whitening (1,000 rows, nlist 16): no all-clear, and no retrain claim the single step cannot back', async () => {
  // 500 training rows are too few for k-means with 16 lists, so the gain comes from one k-means step,
  // whose 1.08–1.12 here is also what a clean IVF-PQ index shows (test/ann/ann-advice.test.ts): not
  // enough to claim a retrain helps. The store still gets a warning: its whitening is recorded nowhere.
  const report = await check(fixture('ivfflat_whitened_reuse'), { metric: 'cosine', dim: 128 });
  const stale = report.findings.find((finding) => finding.code === 'stale-codebook');
  if (stale) assert.ok(!(stale.evidence.reasons as string[]).includes('retrain-gain') || (stale.evidence.retrainGainInterval as number[])[0]! > 1.25);
  const whitened = report.findings.find((finding) => finding.code === 'metric-mismatch');
  assert.ok(whitened && whitened.severity !== 'info', 'the unrecorded whitening is a warning');
  assert.match(whitened.message, /whitened/);
  assert.notEqual(report.verdict, 'pass');
});

test('IVF-PQ codebooks trained before whitening: the retrain gain is reported with the PQ evidence', async () => {
  const report = await check(fixture('ivfpq_whitened_reuse'), { metric: 'cosine', dim: 128 });
  const stale = report.findings.find((finding) => finding.code === 'stale-codebook')!;
  assert.ok(stale);
  assert.ok((stale.evidence.reasons as string[]).includes('retrain-gain'));
  assert.ok((stale.evidence.retrainGain as number) > 1.1);
});

test('the same rows in an index trained on them: retraining would not help, at any seed', async () => {
  for (const seed of [0, 1, 2]) {
    const report = await check(fixture('ivfpq_whitened_fresh'), { metric: 'cosine', dim: 128, seed });
    assert.equal(
      report.findings.find((finding) => finding.code === 'stale-codebook'),
      undefined,
      `seed ${seed}`,
    );
  }
});

test('with more lists than the sample can retrain by k-means, one k-means step on the lists still tells reuse from fresh', async () => {
  // 1,200 sampled rows: 600 to refit 32 lists, under FAISS's 39 rows per centroid.
  const reuse = await check(fixture('ivfpq_whitened_reuse'), { metric: 'cosine', dim: 128, sample: 1200 });
  const stale = reuse.findings.find((finding) => finding.code === 'stale-codebook')!;
  assert.equal((stale.evidence.retrainCentroids as { method: string }).method, 'list-means');
  assert.ok((stale.evidence.reasons as string[]).includes('retrain-gain'));
  const fresh = await check(fixture('ivfpq_whitened_fresh'), { metric: 'cosine', dim: 128, sample: 1200 });
  assert.equal(
    fresh.findings.find((finding) => finding.code === 'stale-codebook'),
    undefined,
  );
});
