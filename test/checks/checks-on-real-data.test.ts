import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { FindingCode } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { Rng } from '../../src/math/rng.js';
import { writeNpy } from '../helpers/npy.js';
import { head, normalized, tempDir, wordnet, WORDNET_DIR, type Matrix } from '../helpers/wordnet.js';

// Corrupted variants of real embeddings (WordNet × fastText, ../shared/data): each must raise its
// exact code, and the clean data must raise no fail.
const dir = tempDir(after);
const ROWS = 3000;
const DIM = 128;
let counter = 0;

function save(matrix: Matrix, descr = '<f4', data: Float32Array | Uint16Array = matrix.data): string {
  const path = join(dir, `variant-${counter++}.npy`);
  writeNpy(path, data, matrix.rows, matrix.dim, descr);
  return path;
}

function codes(report: Report, severities: readonly string[] = ['fail', 'warn']): FindingCode[] {
  return report.findings.filter((f) => severities.includes(f.severity)).map((f) => f.code);
}

function finding(report: Report, code: FindingCode) {
  const found = report.findings.find((f) => f.code === code);
  assert.ok(found, `expected ${code} in ${JSON.stringify(report.findings.map((f) => [f.code, f.severity]))}`);
  return found;
}

const clean = normalized(head(wordnet(), ROWS));
const raw = head(wordnet(), ROWS);

describe('clean real embeddings', () => {
  test('normalized vectors declared cosine pass every check', async () => {
    const report = await check(save(clean), { metric: 'cosine', dim: DIM });
    assert.equal(report.verdict, 'pass', JSON.stringify(report.findings));
    assert.equal(report.policy.observed.normState, 'unit');
    assert.ok(report.stats.overlapAt20 !== null && report.stats.overlapAt20 < 0.1);
  });

  test('raw vectors declared l2 pass; declared cosine only warn metric-mismatch with measured agreement', async () => {
    const path = save(raw);
    assert.equal((await check(path, { metric: 'l2', dim: DIM })).verdict, 'pass');
    const cosine = await check(path, { metric: 'cosine', dim: DIM });
    assert.deepEqual(codes(cosine), ['metric-mismatch']);
    const mismatch = finding(cosine, 'metric-mismatch');
    assert.equal(mismatch.severity, 'warn');
    assert.ok((mismatch.evidence.agreementAt10Ip as number) < 0.6, 'raw inner product disagrees with cosine on this model');
  });

  test('no declared metric: an info finding states the vector state and the safe metrics', async () => {
    const report = await check(save(raw));
    const info = finding(report, 'metric-mismatch');
    assert.equal(info.severity, 'info');
    assert.deepEqual(report.policy.observed.safeMetrics, ['cosine']);
    assert.equal(report.verdict, 'pass');
  });
});

describe('corrupted variants', () => {
  test('zero rows → zero-vectors with count, rate and row numbers', async () => {
    const matrix = { ...clean, data: clean.data.slice() };
    const zeroRows = [5, 700, 701, 2999];
    for (const row of zeroRows) matrix.data.fill(0, row * DIM, (row + 1) * DIM);
    const report = await check(save(matrix), { metric: 'cosine', dim: DIM });
    const zero = finding(report, 'zero-vectors');
    assert.equal(zero.severity, 'fail');
    assert.equal(zero.evidence.count, 4);
    assert.deepEqual(zero.evidence.firstRows, zeroRows);
    assert.ok(!codes(report, ['fail']).includes('normalization-drift') && !codes(report, ['fail']).includes('mixed-norm-shards'));
  });

  test('NaN and Inf → nonfinite-values counting each kind', async () => {
    const matrix = { ...clean, data: clean.data.slice() };
    matrix.data[10 * DIM + 3] = NaN;
    matrix.data[11 * DIM + 0] = Infinity;
    matrix.data[11 * DIM + 1] = -Infinity;
    matrix.data.fill(NaN, 2000 * DIM, 2001 * DIM);
    const report = await check(save(matrix), { metric: 'cosine', dim: DIM });
    const nonfinite = finding(report, 'nonfinite-values');
    assert.equal(nonfinite.severity, 'fail');
    assert.equal(nonfinite.evidence.rows, 3);
    assert.equal(nonfinite.evidence.nanValues, 1 + DIM);
    assert.equal(nonfinite.evidence.infValues, 2);
    assert.deepEqual(codes(report, ['fail']), ['nonfinite-values']);
  });

  test('float16 overflow → nonfinite-values naming the cast', async () => {
    const scaled = raw.data.map((value) => value * 3e5);
    const half = new Uint16Array(scaled.length);
    for (let i = 0; i < scaled.length; i++) half[i] = toHalf(scaled[i] as number);
    const report = await check(save(raw, '<f2', half), { metric: 'l2', dim: DIM });
    const nonfinite = finding(report, 'nonfinite-values');
    assert.ok((nonfinite.evidence.infValues as number) > 0);
    assert.equal(nonfinite.evidence.nanValues, 0);
    assert.match(nonfinite.message, /float16/);
  });

  test('truncated dimension → dimension-mismatch (stored 100 vs declared 128)', async () => {
    const truncated = new Float32Array(ROWS * 100);
    for (let i = 0; i < ROWS; i++) truncated.set(clean.data.subarray(i * DIM, i * DIM + 100), i * 100);
    const report = await check(save({ data: truncated, rows: ROWS, dim: 100 }), { metric: 'cosine', dim: DIM });
    const mismatch = finding(report, 'dimension-mismatch');
    assert.equal(mismatch.severity, 'fail');
    assert.equal(mismatch.evidence.storedDim, 100);
    assert.equal(mismatch.evidence.declaredDim, DIM);
  });

  test('truncate-then-pad → dimension-mismatch with the trailing zero columns', async () => {
    const padded = normalized({ ...clean, data: clean.data.map((value, i) => (i % DIM >= 112 ? 0 : value)) });
    const report = await check(save(padded), { metric: 'cosine', dim: DIM });
    const mismatch = finding(report, 'dimension-mismatch');
    assert.equal(mismatch.evidence.zeroColumnsTrailing, true);
    assert.equal(mismatch.evidence.effectiveDim, 112);
    assert.equal((mismatch.evidence.zeroColumns as number[]).length, 16);
  });

  test('normalized and raw shards → mixed-norm-shards with where each regime starts', async () => {
    const mixed = { ...raw, data: raw.data.slice() };
    mixed.data.set(clean.data.subarray(1800 * DIM), 1800 * DIM); // rows 1800.. normalized
    const report = await check(save(mixed), { metric: 'cosine', dim: DIM });
    const shards = finding(report, 'mixed-norm-shards');
    assert.equal(shards.severity, 'fail');
    assert.equal(shards.evidence.unitRows, ROWS - 1800);
    assert.deepEqual(shards.evidence.regimeStarts, [
      { regime: 'raw', start: 0, rows: 1800 },
      { regime: 'unit', start: 1800, rows: ROWS - 1800 },
    ]);
    assert.equal(shards.evidence.interleaved, false);
    assert.ok(shards.labels.includes('No.16'));
  });

  test('a few raw rows interleaved into a normalized store → mixed-norm-shards (interleaved)', async () => {
    const mixed = { ...clean, data: clean.data.slice() };
    const rng = new Rng(3);
    for (let n = 0; n < 90; n++) {
      const row = rng.nextInt(ROWS);
      mixed.data.set(raw.data.subarray(row * DIM, (row + 1) * DIM), row * DIM);
    }
    const shards = finding(await check(save(mixed), { metric: 'cosine', dim: DIM }), 'mixed-norm-shards');
    assert.equal(shards.evidence.interleaved, true);
    assert.equal(shards.severity, 'fail');
  });

  test('exact and near duplicates → duplicate-rows with the largest clusters', async () => {
    const rng = new Rng(11);
    const data = clean.data.slice();
    // 12 source rows copied 25 times each (300 rows, 10%): half exact, half with tiny noise.
    for (let copy = 0; copy < 300; copy++) {
      const source = (copy % 12) * 7;
      const target = 100 + copy * 9;
      for (let j = 0; j < DIM; j++) {
        const noise = copy % 2 === 0 ? 0 : rng.nextGaussian() * 1e-3;
        data[target * DIM + j] = (data[source * DIM + j] as number) + noise;
      }
    }
    const report = await check(save(normalized({ ...clean, data })), { metric: 'cosine', dim: DIM });
    const duplicates = finding(report, 'duplicate-rows');
    assert.equal(duplicates.severity, 'fail');
    assert.ok((duplicates.evidence.exactDuplicateRows as number) >= 150);
    assert.ok((duplicates.evidence.nearShare as number) > 0.09);
  });

  test('collapsed geometry (shrunken spread + hub rows) → neighbor-collapse', async () => {
    const rng = new Rng(5);
    const mean = new Float64Array(DIM);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < DIM; j++) mean[j] = (mean[j] as number) + (clean.data[i * DIM + j] as number) / ROWS;
    const data = new Float32Array(ROWS * DIM);
    for (let i = 0; i < ROWS; i++) {
      // Keep 8% of each row's own direction: the cloud collapses onto the mean direction.
      for (let j = 0; j < DIM; j++) data[i * DIM + j] = (mean[j] as number) + 0.08 * ((clean.data[i * DIM + j] as number) - (mean[j] as number)) + 0.01 * rng.nextGaussian();
    }
    for (let hub = 0; hub < 10; hub++) for (let j = 0; j < DIM; j++) data[hub * 300 * DIM + j] = mean[j] as number;
    const report = await check(save(normalized({ rows: ROWS, dim: DIM, data })), { metric: 'cosine', dim: DIM });
    const collapse = finding(report, 'neighbor-collapse');
    assert.equal(collapse.severity, 'fail');
    assert.ok((collapse.evidence.overlapAt20 as number) > 0.35);
  });

  test('inner product declared on vectors with inflated norms → metric-mismatch (norm-dominated)', async () => {
    const data = raw.data.slice();
    for (let row = 0; row < ROWS; row += 150) for (let j = 0; j < DIM; j++) data[row * DIM + j] = (data[row * DIM + j] as number) * 4;
    const report = await check(save({ ...raw, data }), { metric: 'ip', dim: DIM });
    const mismatch = finding(report, 'metric-mismatch');
    assert.equal(mismatch.severity, 'warn');
    assert.ok((mismatch.evidence.normDominance as number) > 0.25);
  });

  test('normalized queries against a raw corpus → normalization-drift', async () => {
    const queries = normalized(head(wordnet('queries.f32.npy'), 400));
    const report = await check(save(raw), { metric: 'cosine', dim: DIM, queries: save(queries) });
    const drift = finding(report, 'normalization-drift');
    assert.equal(drift.evidence.queryNormState, 'unit');
    assert.equal(drift.evidence.storeNormState, 'raw');
    assert.equal(
      report.findings.find((f) => f.code === 'neighbor-collapse'),
      undefined,
    );
  });

  test('an empty store (0 rows) → empty-index, labelled No.16', async () => {
    const report = await check(save({ data: new Float32Array(0), rows: 0, dim: DIM }), { metric: 'cosine', dim: DIM });
    const empty = finding(report, 'empty-index');
    assert.equal(empty.severity, 'fail');
    assert.ok(empty.labels.includes('No.16'));
  });
});

describe('sampled scope', () => {
  test('a sample never claims an exact 0%: it gives a 95% bound', async () => {
    const report = await check(join(WORDNET_DIR, 'docs.f32.npy'), { metric: 'l2', dim: DIM, sample: 1000, scanBudgetBytes: 0 });
    assert.equal(report.stats.scanScope, 'sample');
    assert.equal(report.stats.scanned, 1000);
    const zero = finding(report, 'zero-vectors');
    assert.equal(zero.severity, 'info');
    assert.ok((zero.evidence.rateHigh95 as number) > 0.002 && (zero.evidence.rateHigh95 as number) < 0.004);
    assert.match(zero.message, /at most .* 95% confidence/);
  });

  test('the same seed gives the same report; another seed another sample', async () => {
    const path = join(WORDNET_DIR, 'docs.f32.npy');
    const a = await check(path, { metric: 'cosine', sample: 800, seed: 7 });
    const b = await check(path, { metric: 'cosine', sample: 800, seed: 7 });
    const c = await check(path, { metric: 'cosine', sample: 800, seed: 8 });
    assert.equal(a.stats.overlapAt20, b.stats.overlapAt20);
    assert.notEqual(a.stats.overlapAt20, c.stats.overlapAt20);
  });
});

/** float32 → IEEE half bits (round to nearest), enough for building test files. */
function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) return sign | (exponent < -10 ? 0 : ((mantissa | 0x800000) >> (1 - exponent)) >> 13);
  return sign | (exponent << 10) | Math.round(mantissa / 8192);
}
