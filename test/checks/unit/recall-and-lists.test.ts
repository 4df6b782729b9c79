// Fast unit tests of ann-recall and cluster-imbalance on hand-built artifacts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import annRecall from '../../../src/checks/ann-recall.js';
import clusterImbalance from '../../../src/checks/cluster-imbalance.js';
import type { AnnAudit } from '../../../src/gather/artifacts.js';
import type { IndexDescription } from '../../../src/sources/source.js';
import { artifactsOf, CheckTester, clusteredRows } from '../../helpers/check-tester.js';

const rows = clusteredRows({ count: 600, dim: 16 });
const hnsw: IndexDescription = { engine: 'faiss', type: 'IndexHNSWFlat', metric: 'ip', metricSource: 'index', normalizesInput: false, trained: true, ntotal: rows.count, params: { M: 16, efSearch: 64 } };

function audit(recall: number, overrides: Partial<AnnAudit> = {}): AnnAudit {
  return {
    k: 10,
    queries: 200,
    plannedQueries: 200,
    origin: 'sampled-rows',
    exactMethod: 'exact search over the stored vectors',
    exactBasis: 'stored',
    recall,
    recallLow: Math.max(0, recall - 0.02),
    recallHigh: Math.min(1, recall + 0.02),
    tuning: { name: 'efSearch', current: 64, from: 'index' },
    sweep: [],
    seconds: 1,
    cuts: [],
    ...overrides,
  };
}

describe('ann-recall', () => {
  const tester = new CheckTester(annRecall);
  const withAudit = (annAudit: AnnAudit) => artifactsOf({ rows, declared: { metric: 'cosine' }, source: { kind: 'faiss', index: hnsw }, artifacts: { annAudit } });

  test('edge: recall 0.9 passes, just below warns, below 0.5 fails', () => {
    tester.passes(withAudit(audit(0.9)));
    assert.equal(tester.finds(withAudit(audit(0.899)), 'warn').evidence.recallAt10, 0.899);
    tester.finds(withAudit(audit(0.499)), 'fail');
  });

  test('a larger setting that reaches the target is offered as a parameter fix', () => {
    const sweep = [{ value: 128, recall: 0.97, low: 0.95, high: 0.99, queries: 200 }];
    const finding = tester.finds(withAudit(audit(0.8, { sweep })), 'warn');
    assert.match(finding.fix, /efSearch to at least 128/);
  });

  test('an assumed default setting is judged at the best measured setting (info, not a warning)', () => {
    const sweep = [{ value: 128, recall: 0.96, low: 0.94, high: 0.98, queries: 200 }];
    const assumed = audit(0.7, { tuning: { name: 'efSearch', current: 16, from: 'default', assumed: 'hnswlib files do not store ef' }, sweep });
    assert.equal(tester.finds(withAudit(assumed), 'info').severity, 'info');
  });

  test('a budget cut is stated even when recall passes', () => {
    const finding = tester.finds(withAudit(audit(0.95, { queries: 80, cuts: ['120 queries not measured'] })), 'info');
    assert.deepEqual(finding.evidence.cuts, ['120 queries not measured']);
  });

  test('not run when the target has no index to search', () => {
    tester.doesNotRun(artifactsOf({ rows }), /no approximate index/);
  });
});

describe('cluster-imbalance', () => {
  const tester = new CheckTester(clusterImbalance);
  const ivf = (listSizes: number[]): IndexDescription => ({
    ...hnsw,
    type: 'IndexIVFFlat',
    ntotal: listSizes.reduce((a, b) => a + b, 0),
    ivf: { nlist: listSizes.length, listSizes },
  });
  const store = (listSizes: number[]) => artifactsOf({ rows, source: { kind: 'faiss', rows: listSizes.reduce((a, b) => a + b, 0), index: ivf(listSizes) } });

  test('lists filled as evenly as chance passes', () => {
    tester.passes(store(Array.from({ length: 8 }, () => 600)));
  });

  test('one list holding most vectors warns (5.6× the scan); far worse fails', () => {
    assert.match(tester.finds(store([4000, 100, 100, 100, 100, 100, 100, 200]), 'warn').message, /unbalanced/);
    tester.finds(store([10000, ...Array.from({ length: 15 }, () => 100)]), 'fail');
  });

  test('edge: fewer than 39 vectors per list warns (noisy k-means)', () => {
    assert.match(tester.finds(store(Array.from({ length: 16 }, () => 38)), 'warn').message, /fewer than the 39 points per centroid/);
    tester.passes(store(Array.from({ length: 16 }, () => 39)));
  });

  test('not run without an index', () => {
    tester.doesNotRun(artifactsOf({ rows }), /index/);
  });
});
