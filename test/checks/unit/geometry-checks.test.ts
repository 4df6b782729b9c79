// Fast unit tests of the checks that measure geometry, on artifacts hand-built from real embeddings
// (WordNet × fastText, two unrelated models: ../shared/data) so each case has a model's structure.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import metricMismatch from '../../../src/checks/metric-mismatch.js';
import mixedModels from '../../../src/checks/mixed-models.js';
import mixedNormShards from '../../../src/checks/mixed-norm-shards.js';
import modelChanged from '../../../src/checks/model-changed.js';
import neighborCollapse from '../../../src/checks/neighbor-collapse.js';
import normalizationDrift from '../../../src/checks/normalization-drift.js';
import queryModelMismatch from '../../../src/checks/query-model-mismatch.js';
import staleCodebook from '../../../src/checks/stale-codebook.js';
import type { Rows } from '../../../src/core/rows.js';
import { measureReference } from '../../../src/manifest/reference.js';
import type { IndexDescription } from '../../../src/sources/source.js';
import { artifactsOf, CheckTester } from '../../helpers/check-tester.js';
import { head, normalized, wordnet, type Matrix } from '../../helpers/wordnet.js';

const ROWS = 1500;
const rowsOf = (matrix: Matrix): Rows => ({ data: matrix.data, count: matrix.rows, dim: matrix.dim });
const rawA = rowsOf(head(wordnet(), ROWS));
const unitA = rowsOf(normalized(head(wordnet(), ROWS)));
const unitB = rowsOf(normalized(head(wordnet('docs_model_b.f32.npy'), ROWS)));
const queriesA = rowsOf(normalized(head(wordnet('queries.f32.npy'), 200)));
const queriesB = rowsOf(normalized(head(wordnet('queries_model_b.f32.npy'), 200)));

/** The first `split` rows of `first`, the rest of `second`. */
function spliced(first: Rows, second: Rows, split: number): Rows {
  const data = first.data.slice();
  data.set(second.data.subarray(split * first.dim), split * first.dim);
  return { ...first, data };
}

const flatIp: IndexDescription = { engine: 'faiss', type: 'IndexFlatIP', metric: 'ip', metricSource: 'index', normalizesInput: false, trained: true, ntotal: ROWS, params: {} };

describe('metric-mismatch', () => {
  const tester = new CheckTester(metricMismatch);

  test('an inner-product index over raw vectors of a cosine model fails, with the measured agreement', () => {
    const finding = tester.finds(artifactsOf({ rows: rawA, declared: { metric: 'cosine' }, source: { kind: 'faiss', index: flatIp } }), 'fail');
    assert.ok((finding.evidence.agreementAt10 as number) < 0.9);
  });

  test('raw vectors of a cosine model with no index warn (an index must normalize)', () => {
    const finding = tester.finds(artifactsOf({ rows: rawA, declared: { metric: 'cosine' } }), 'warn');
    assert.ok(typeof finding.evidence.agreementAt10Ip === 'number');
  });

  test('unit vectors declared cosine pass; with no declared metric, an info states the safe metrics', () => {
    tester.passes(artifactsOf({ rows: unitA, declared: { metric: 'cosine' }, source: { kind: 'faiss', index: flatIp } }));
    assert.deepEqual(tester.finds(artifactsOf({ rows: rawA }), 'info').evidence.safeMetrics, ['cosine']);
  });
});

describe('normalization-drift', () => {
  const tester = new CheckTester(normalizationDrift);
  const rawQueries = rowsOf(head(wordnet('queries.f32.npy'), 200));

  test('unit store, raw queries: a finding naming the query norm', () => {
    const { outcome, finding } = tester.run(artifactsOf({ rows: unitA, declared: { metric: 'cosine' }, queries: rawQueries }));
    assert.equal(outcome.result, 'finding');
    assert.equal(finding?.evidence.queryNormState, 'raw');
  });

  test('unit store, unit queries pass', () => {
    tester.passes(artifactsOf({ rows: unitA, declared: { metric: 'cosine' }, queries: queriesA }));
  });

  test('a policy that says normalized over raw vectors is a finding', () => {
    assert.equal(tester.run(artifactsOf({ rows: rawA, declared: { metric: 'cosine', normalized: true } })).outcome.result, 'finding');
  });

  test('not run with neither queries nor a policy', () => {
    tester.doesNotRun(artifactsOf({ rows: unitA }), /--queries/);
  });
});

describe('mixed-norm-shards', () => {
  const tester = new CheckTester(mixedNormShards);

  test('a raw shard after a normalized one fails', () => {
    const finding = tester.finds(artifactsOf({ rows: spliced(unitA, rawA, 1200), declared: { metric: 'cosine' } }), 'fail');
    assert.deepEqual(finding.evidence.regimeStarts, [
      { regime: 'unit', start: 0, rows: 1200 },
      { regime: 'raw', start: 1200, rows: 300 },
    ]);
  });

  test('one normalization regime passes', () => {
    tester.passes(artifactsOf({ rows: unitA, declared: { metric: 'cosine' } }));
  });
});

describe('neighbor-collapse', () => {
  const tester = new CheckTester(neighborCollapse);

  test('a few rows with inflated norms under inner product come back for every query: fail', () => {
    const data = rawA.data.slice();
    for (let row = 0; row < 20; row++) for (let j = 0; j < rawA.dim; j++) data[row * rawA.dim + j] = (data[row * rawA.dim + j] as number) * 50;
    const finding = tester.finds(artifactsOf({ rows: { ...rawA, data }, declared: { metric: 'ip' } }), 'fail');
    assert.ok((finding.evidence.overlapAt20 as number) > 0.5);
  });

  test("a model's unit vectors under cosine pass", () => {
    tester.passes(artifactsOf({ rows: unitA, declared: { metric: 'cosine' } }));
  });

  test('not run on too few rows', () => {
    tester.doesNotRun(artifactsOf({ rows: { ...unitA, data: unitA.data.slice(0, 5 * unitA.dim), count: 5 } }), /too few/);
  });
});

describe('mixed-models', () => {
  const tester = new CheckTester(mixedModels);

  test('a fifth of the rows from another model fails', () => {
    const finding = tester.finds(artifactsOf({ rows: spliced(unitA, unitB, 1200) }), 'fail');
    assert.ok(Math.abs((finding.evidence.minorityShare as number) - 0.2) < 0.03);
  });

  test('one model passes', () => {
    tester.passes(artifactsOf({ rows: unitA }));
  });
});

describe('query-model-mismatch', () => {
  const tester = new CheckTester(queryModelMismatch);

  test("another model's queries fail", () => {
    tester.finds(artifactsOf({ rows: unitA, queries: queriesB }), 'fail');
  });

  test("the store's own model's queries pass", () => {
    tester.passes(artifactsOf({ rows: unitA, queries: queriesA }));
  });

  test('not run without queries', () => {
    tester.doesNotRun(artifactsOf({ rows: unitA }), /--queries/);
  });
});

describe('model-changed', () => {
  const tester = new CheckTester(modelChanged);
  const reference = measureReference(unitA.data, unitA.count, unitA.dim);

  test('rows of another model than the manifest records fail', () => {
    tester.finds(artifactsOf({ rows: unitB, declared: { reference } }), 'fail');
  });

  test('rows of the recorded model pass', () => {
    tester.passes(artifactsOf({ rows: unitA, declared: { reference } }));
  });

  test('not run without a manifest', () => {
    tester.doesNotRun(artifactsOf({ rows: unitA }), /manifest/);
  });
});

describe('stale-codebook', () => {
  const tester = new CheckTester(staleCodebook);
  const reference = measureReference(unitA.data, unitA.count, unitA.dim);

  test('rows of another model added after the build (outside the distribution the manifest recorded) fail', () => {
    const finding = tester.finds(artifactsOf({ rows: spliced(unitA, unitB, 1200), declared: { reference } }), 'fail');
    assert.ok(Math.abs((finding.evidence.foreignShare as number) - 0.2) < 0.03);
    assert.equal(finding.evidence.expectedShare, 0.01);
  });

  test("the manifest's own distribution passes", () => {
    assert.notEqual(tester.run(artifactsOf({ rows: unitA, declared: { reference } })).outcome.result, 'finding');
  });

  test('not run on a plain vector file (no codebook, no manifest)', () => {
    tester.doesNotRun(artifactsOf({ rows: unitA }), /codebook/);
  });

  test('not run on a flat index, which has no trained codebook', () => {
    tester.doesNotRun(artifactsOf({ rows: unitA, source: { kind: 'faiss', index: flatIp } }), /no trained codebook/);
  });
});
