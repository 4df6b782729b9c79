import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { checkByCode } from '../../src/checks/registry.js';
import type { Finding } from '../../src/core/finding.js';
import { FIXTURES, fixturePath } from './fixtures.js';

/**
 * Codes a broken fixture may also fail on because they follow from its fault (as the evaluation
 * tolerates them): a model-swapped IVF also crowds its lists; raw inner product also shows hubs; a
 * half-normalized store is also a metric problem; a tiny IVF cannot reach recall.
 */
const ALSO_FAILS: Readonly<Record<string, readonly string[]>> = {
  flat_ip_raw: ['neighbor-collapse'],
  ivfpq_ip_stale: ['cluster-imbalance'],
  ivfflat_l2_stale: ['cluster-imbalance'],
  ivfflat_sparse_lists: ['ann-recall'],
  flat_mixed_norms: ['metric-mismatch'],
};

const raised = (findings: readonly Finding[]) => findings.filter((finding) => finding.severity !== 'info');

for (const [name, facts] of Object.entries(FIXTURES)) {
  test(`check ${name} (${facts.declared.metric}): ${facts.expect.length ? facts.expect.join(', ') : 'no fail'}`, async () => {
    const report = await check(fixturePath(name), { metric: facts.declared.metric, dim: facts.declared.dim });
    const found = raised(report.findings);
    // Codes owned by checks registered elsewhere (id-collision) are asserted once that check is present.
    for (const code of facts.expect.filter((code) => checkByCode(code))) {
      assert.ok(
        found.some((finding) => finding.code === code),
        `${name}: expected ${code}, got ${found.map((f) => `${f.code}:${f.severity}`).join(' ') || 'nothing'}`,
      );
    }
    const allowed = new Set([...facts.expect, ...(ALSO_FAILS[name] ?? [])]);
    const wrongFails = found.filter((finding) => finding.severity === 'fail' && !allowed.has(finding.code));
    assert.deepEqual(
      wrongFails.map((finding) => finding.code),
      [],
      `${name}: unexpected fail findings`,
    );
    assert.deepEqual(
      report.checks.filter((outcome) => outcome.status === 'error'),
      [],
      `${name}: no check may error`,
    );
    assert.equal(
      report.verdict === 'fail',
      found.some((finding) => finding.severity === 'fail'),
    );
  });
}

test('stale codebooks are reported with the measurements that show it', async () => {
  const ivfpq = await check(fixturePath('ivfpq_ip_stale'), { metric: 'cosine', dim: 128 });
  const stale = ivfpq.findings.find((finding) => finding.code === 'stale-codebook')!;
  assert.equal(stale.severity, 'fail');
  assert.ok((stale.evidence.coarseFit as number) >= 1, 'model-B vectors sit farther from model-A centroids than from their own mean');
  assert.ok((stale.evidence.pqCodeShareMean as number) < 0.25);
  assert.deepEqual(stale.labels, ['No.8', 'No.14']);
  // Decoded norms of a stale PQ say nothing about how vectors were normalized: no metric verdict.
  assert.equal(ivfpq.findings.find((finding) => finding.code === 'metric-mismatch')?.severity ?? 'info', 'info');
  assert.equal(
    ivfpq.findings.find((finding) => finding.code === 'mixed-norm-shards'),
    undefined,
  );

  const fresh = await check(fixturePath('ivfpq_l2_unit'), { metric: 'cosine', dim: 128 });
  assert.equal(
    fresh.findings.find((finding) => finding.code === 'stale-codebook'),
    undefined,
  );

  const sq = await check(fixturePath('sq8_stale'), { metric: 'cosine', dim: 128 });
  const clamped = sq.findings.find((finding) => finding.code === 'stale-codebook')!;
  assert.ok((clamped.evidence.sqSaturatedShare as number) >= 0.01);
});

test('an IVF trained on duplicated rows: duplicate-rows and cluster-imbalance, both labelled No.14', async () => {
  const report = await check(fixturePath('ivf_duplicates'), { metric: 'cosine', dim: 128 });
  const duplicates = report.findings.find((finding) => finding.code === 'duplicate-rows')!;
  const imbalance = report.findings.find((finding) => finding.code === 'cluster-imbalance')!;
  assert.ok(duplicates.labels.includes('No.14'));
  assert.ok(imbalance.labels.includes('No.14'));
  assert.ok(Array.isArray(imbalance.evidence.degenerateLists) && imbalance.evidence.degenerateLists.length >= 2);

  const crowded = await check(fixturePath('ivf_crowded'), { metric: 'cosine', dim: 128 });
  const finding = crowded.findings.find((f) => f.code === 'cluster-imbalance')!;
  assert.equal(finding.severity, 'fail');
  assert.equal(finding.evidence.emptyLists, 14);
  assert.ok(!finding.labels.includes('No.14'), 'no duplicates: the build order is not implicated');
});

test('empty and untrained IVF indexes are No.16 findings', async () => {
  for (const name of ['ivf_empty_trained', 'ivf_untrained', 'ivfflat_sparse_lists']) {
    const report = await check(fixturePath(name), { metric: 'cosine', dim: 128 });
    const empty = report.findings.find((finding) => finding.code === 'empty-index');
    assert.equal(empty?.severity, 'fail', name);
    assert.ok(empty.labels.includes('No.16'), name);
  }
});

test('a PCA index takes the model dimension and stores fewer: no dimension-mismatch', async () => {
  const report = await check(fixturePath('pretransform_pcaw'), { metric: 'cosine', dim: 128 });
  assert.equal(report.stats.dim, 64);
  assert.equal(
    report.findings.find((finding) => finding.code === 'dimension-mismatch'),
    undefined,
  );
  const wrongModel = await check(fixturePath('pretransform_pcaw'), { metric: 'cosine', dim: 64 });
  assert.equal(wrongModel.findings.find((finding) => finding.code === 'dimension-mismatch')?.severity, 'fail');
});
