// Fast unit tests of the per-row checks on hand-built artifacts (rows in memory, the real row-stats accumulator).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import dimensionMismatch from '../../../src/checks/dimension-mismatch.js';
import duplicateRows from '../../../src/checks/duplicate-rows.js';
import nonfiniteValues from '../../../src/checks/nonfinite-values.js';
import zeroVectors from '../../../src/checks/zero-vectors.js';
import { artifactsOf, CheckTester, clusteredRows, withRows } from '../../helpers/check-tester.js';

const rows = clusteredRows({ count: 1000, dim: 32 });
const zero = (row: Float32Array) => row.fill(0);

describe('zero-vectors', () => {
  const tester = new CheckTester(zeroVectors);

  test('one all-zero row fails, with its row number', () => {
    const finding = tester.finds(artifactsOf({ rows: withRows(rows, { 17: zero }) }), 'fail');
    assert.deepEqual(finding.evidence.firstRows, [17]);
    assert.equal(finding.evidence.count, 1);
  });

  test('a full scan without zero rows passes; a sample without any says so as info, with its bound', () => {
    tester.passes(artifactsOf({ rows }));
    const sampled = tester.finds(artifactsOf({ rows, scope: 'sample', source: { rows: 1_000_000 } }), 'info');
    assert.ok((sampled.evidence.rateHigh95 as number) > 0, 'a sample bounds the rate, it does not prove zero');
  });

  test('a value that is merely tiny is not zero', () => {
    tester.passes(artifactsOf({ rows: withRows(rows, { 3: (row) => row.fill(1e-30) }) }));
  });
});

describe('nonfinite-values', () => {
  const tester = new CheckTester(nonfiniteValues);

  test('NaN and Inf fail, counted by kind', () => {
    const broken = withRows(rows, { 4: (row) => (row[0] = Number.NaN), 9: (row) => (row[5] = Number.POSITIVE_INFINITY) });
    const finding = tester.finds(artifactsOf({ rows: broken }), 'fail');
    assert.equal(finding.evidence.nanValues, 1);
    assert.equal(finding.evidence.infValues, 1);
    assert.deepEqual(finding.evidence.firstRows, [4, 9]);
  });

  test('float16 overflow is named in the fix', () => {
    const finding = tester.finds(artifactsOf({ rows: withRows(rows, { 1: (row) => (row[0] = Number.NEGATIVE_INFINITY) }), source: { storage: { type: 'float16', bytes: 0, lossy: false } } }), 'fail');
    assert.match(finding.fix, /float16/);
  });

  test('finite rows pass', () => {
    tester.passes(artifactsOf({ rows }));
  });
});

describe('dimension-mismatch', () => {
  const tester = new CheckTester(dimensionMismatch);

  test('a declared dimension the store does not have fails', () => {
    const finding = tester.finds(artifactsOf({ rows, declared: { dim: 64 } }), 'fail');
    assert.deepEqual([finding.evidence.storedDim, finding.evidence.declaredDim], [32, 64]);
  });

  test('queries of another dimension fail', () => {
    const queries = clusteredRows({ count: 30, dim: 24, seed: 3 });
    assert.equal(tester.finds(artifactsOf({ rows, declared: { dim: 32 }, queries }), 'fail').evidence.queryDim, 24);
  });

  test('matching dimension passes', () => {
    tester.passes(artifactsOf({ rows, declared: { dim: 32 } }));
  });

  test('rows ending in a long block of zeros (half-written) fail', () => {
    const halfWritten = withRows(rows, { 10: (row) => row.fill(0, 16), 20: (row) => row.fill(0, 20) });
    const finding = tester.finds(artifactsOf({ rows: halfWritten, declared: { dim: 32 } }), 'fail');
    assert.equal(finding.evidence.trailingZeroRowCount, 2);
  });

  test('with neither --dim nor --queries the model comparison is reported as not run, the rest passes', () => {
    const { outcome } = tester.run(artifactsOf({ rows }));
    assert.equal(outcome.result, 'passed');
    assert.match(outcome.notChecked?.[0] ?? '', /--dim N/);
  });
});

describe('duplicate-rows', () => {
  const tester = new CheckTester(duplicateRows);
  const copies = (share: number) => {
    const copied = Math.round(rows.count * share);
    const edits: Record<number, (row: Float32Array) => void> = {};
    for (let i = 0; i < copied; i++) edits[rows.count - 1 - i] = (row) => row.set(rows.data.subarray(i * rows.dim, (i + 1) * rows.dim));
    return withRows(rows, edits);
  };

  test('5% exact copies fail', () => {
    const finding = tester.finds(artifactsOf({ rows: copies(0.05) }), 'fail');
    assert.equal(finding.evidence.exactDuplicateRows, 50);
  });

  test('edge: 1% exact copies warn', () => {
    assert.equal(tester.finds(artifactsOf({ rows: copies(0.01) }), 'warn').evidence.exactShare, 0.01);
  });

  test('distinct rows pass', () => {
    tester.passes(artifactsOf({ rows }));
  });

  test('one content repeated in 1% of rows is boilerplate: a fail', () => {
    const edits: Record<number, (row: Float32Array) => void> = {};
    for (let i = 0; i < 11; i++) edits[100 + i * 50] = (row) => row.set(rows.data.subarray(0, rows.dim));
    tester.finds(artifactsOf({ rows: withRows(rows, edits) }), 'fail');
  });
});
