import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { Rng, shuffle } from '../../src/math/rng.js';
import { writeNpy } from '../helpers/npy.js';
import { normalized, tempDir, wordnet, WORDNET_DIR, type Matrix } from '../helpers/wordnet.js';

// Model A and model B of the shared WordNet corpus are two real fastText models: the same
// documents in two unrelated coordinate systems. A random rotation of model A is "another model"
// with exactly model A's geometry. Topic subsets (WordNet parts of speech) are the clean controls.
const dir = tempDir(after);
const ROWS = 8000;
let counter = 0;

const modelA = normalized(wordnet());
const modelB = normalized(wordnet('docs_model_b.f32.npy'));
const partOfSpeech = readFileSync(join(WORDNET_DIR, 'docs.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { id: string }).id[0]);
const order = shuffle(
  Array.from({ length: modelA.rows }, (_, i) => i),
  new Rng(7),
);

function rows(matrix: Matrix, indices: readonly number[]): Matrix {
  const data = new Float32Array(indices.length * matrix.dim);
  indices.forEach((row, i) => data.set(matrix.data.subarray(row * matrix.dim, (row + 1) * matrix.dim), i * matrix.dim));
  return { data, rows: indices.length, dim: matrix.dim };
}

function concat(...parts: Matrix[]): Matrix {
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const part of parts) data.set(part.data, (offset += part.data.length) - part.data.length);
  return { data, rows: parts.reduce((n, p) => n + p.rows, 0), dim: parts[0]!.dim };
}

function rotation(dim: number, rng: Rng): Float64Array {
  // Gram–Schmidt on a Gaussian matrix: a uniformly random orthogonal matrix.
  const q = new Float64Array(dim * dim).map(() => rng.nextGaussian());
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += q[i * dim + k]! * q[j * dim + k]!;
      for (let k = 0; k < dim; k++) q[i * dim + k] = q[i * dim + k]! - dot * q[j * dim + k]!;
    }
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += q[i * dim + k]! ** 2;
    for (let k = 0; k < dim; k++) q[i * dim + k] = q[i * dim + k]! / Math.sqrt(norm);
  }
  return q;
}

function rotated(matrix: Matrix, q: Float64Array): Matrix {
  const { dim } = matrix;
  const data = new Float32Array(matrix.data.length);
  for (let r = 0; r < matrix.rows; r++) {
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += q[i * dim + k]! * matrix.data[r * dim + k]!;
      data[r * dim + i] = sum;
    }
  }
  return { ...matrix, data };
}

function save(matrix: Matrix, path = join(dir, `provenance-${counter++}.npy`)): string {
  writeNpy(path, matrix.data, matrix.rows, matrix.dim, '<f4');
  return path;
}

/** `share` of ROWS rows from `other` (the same documents' vectors), contiguous at the end or interleaved. */
function mix(other: Matrix, share: number, interleaved: boolean): Matrix {
  const foreign = Math.round(ROWS * share);
  const chosen = order.slice(0, ROWS);
  const store = concat(rows(modelA, chosen.slice(foreign)), rows(other, chosen.slice(0, foreign)));
  if (!interleaved) return store;
  return rows(
    store,
    shuffle(
      Array.from({ length: ROWS }, (_, i) => i),
      new Rng(11),
    ),
  );
}

function warnings(report: Report, code: string) {
  return report.findings.filter((f) => f.code === code && f.severity !== 'info');
}

function mixedShare(report: Report): number {
  const [finding] = warnings(report, 'mixed-models');
  assert.ok(finding, `expected mixed-models: ${JSON.stringify(report.findings.map((f) => [f.code, f.severity]))}`);
  return finding.evidence.minorityShare as number;
}

describe('mixed-models on real embeddings', () => {
  for (const [share, interleaved] of [
    [0.05, false],
    [0.3, false],
    [0.05, true],
    [0.5, true],
  ] as const) {
    test(`model B rows (${share * 100}%, ${interleaved ? 'interleaved' : 'appended'}) among model A rows fail, with the share and where they are`, async () => {
      const report = await check(save(mix(modelB, share, interleaved)), { metric: 'cosine', dim: 128 });
      const [finding] = warnings(report, 'mixed-models');
      assert.ok(Math.abs(mixedShare(report) - share) < 0.03, `share ${mixedShare(report)} vs ${share}`);
      assert.equal(finding!.severity, 'fail');
      assert.equal(finding!.evidence.interleaved, interleaved);
      if (!interleaved) {
        const [minority] = finding!.evidence.parts as { blocks: { firstRow: number }[] }[];
        const start = Math.min(...minority!.blocks.map((b) => b.firstRow));
        // Boundaries are between sampled rows: the block starts within a few rows of the true start.
        assert.ok(Math.abs(start - ROWS * (1 - share)) < 50, `block starts at ${start}`);
      }
    });
  }

  test('a randomly rotated copy of model A (the same geometry, another coordinate system) is another model', async () => {
    const foreign = rotated(modelA, rotation(128, new Rng(3)));
    const report = await check(save(mix(foreign, 0.2, false)), { metric: 'cosine', dim: 128 });
    assert.ok(Math.abs(mixedShare(report) - 0.2) < 0.03);
  });

  test('two shard files of two models: the split follows the files', async () => {
    const shards = join(dir, 'model-shards');
    mkdirSync(shards);
    save(rows(modelA, order.slice(0, 4000)), join(shards, 'a.npy'));
    save(rows(modelB, order.slice(4000, 7000)), join(shards, 'b.npy'));
    const report = await check(shards, { metric: 'cosine', dim: 128 });
    const [finding] = warnings(report, 'mixed-models');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.match(finding.message, /segment b\.npy/);
  });
});

describe('mixed-models stays silent on one model', () => {
  const controls: [string, () => Matrix][] = [
    ['model A, unit vectors', () => rows(modelA, order.slice(0, ROWS))],
    ['model B, raw vectors', () => rows(wordnet('docs_model_b.f32.npy'), order.slice(0, ROWS))],
    ['model A nouns followed by adverbs (two topics appended)', () => concat(rows(modelA, topic('n')), rows(modelA, topic('r')))],
    ['model B adverbs followed by verbs', () => concat(rows(modelB, topic('r')), rows(modelB, topic('v')))],
  ];
  for (const [name, build] of controls) {
    test(name, async () => {
      const report = await check(save(build()), { metric: 'cosine', dim: 128 });
      assert.deepEqual(warnings(report, 'mixed-models'), []);
    });
  }

  test('two shard files of two topics of one model', async () => {
    const shards = join(dir, 'topic-shards');
    mkdirSync(shards);
    save(rows(modelA, topic('n').slice(0, 4000)), join(shards, 'nouns.npy'));
    save(rows(modelA, [...topic('a'), ...topic('r')].slice(0, 4000)), join(shards, 'modifiers.npy'));
    const report = await check(shards, { metric: 'cosine', dim: 128 });
    assert.deepEqual(warnings(report, 'mixed-models'), []);
  });
});

describe('query-model-mismatch', () => {
  const store = rows(modelA, order.slice(0, ROWS));
  const queriesA = wordnet('queries.f32.npy');
  const queriesB = wordnet('queries_model_b.f32.npy');

  test("queries from the store's model (shorter texts, raw) raise nothing", async () => {
    const report = await check(save(store), { metric: 'cosine', dim: 128, queries: save(queriesA) });
    assert.deepEqual(warnings(report, 'query-model-mismatch'), []);
    assert.equal(report.checks.find((c) => c.code === 'query-model-mismatch')?.status, 'pass');
  });

  test('queries from another model fail, and nothing claims the two sides are alike', async () => {
    const report = await check(save(store), { metric: 'cosine', dim: 128, queries: save(normalized(queriesB)) });
    const [finding] = warnings(report, 'query-model-mismatch');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.equal(finding.severity, 'fail');
    assert.ok((finding.evidence.relationUpper as number) < 0.15);
    assert.ok((finding.evidence.queryBestMatchMedian as number) < (finding.evidence.heldOutBestMatchMedian as number));
    assert.ok(!JSON.stringify(report).includes('preprocessed alike'));
  });

  test('queries from a rotated copy of the model fail too', async () => {
    const q = rotated(normalized({ ...queriesA, rows: 300, data: queriesA.data.slice(0, 300 * 128) }), rotation(128, new Rng(5)));
    const report = await check(save(store), { metric: 'cosine', dim: 128, queries: save(q) });
    assert.equal(warnings(report, 'query-model-mismatch')[0]?.severity, 'fail');
  });

  test('queries from model B against a model B store raise nothing', async () => {
    const report = await check(save(rows(modelB, order.slice(0, ROWS))), { metric: 'cosine', dim: 128, queries: save(queriesB) });
    assert.deepEqual(warnings(report, 'query-model-mismatch'), []);
  });
});

function topic(letter: string): number[] {
  return partOfSpeech.flatMap((pos, i) => (pos === letter ? [i] : []));
}

describe('row-level contract', () => {
  const raw = wordnet();
  const base = (): Matrix => rows(raw, order.slice(0, ROWS));

  function scaled(matrix: Matrix, factor: number, pick: (row: number) => boolean): Matrix {
    const data = matrix.data.slice();
    for (let r = 0; r < matrix.rows; r++) if (pick(r)) for (let j = 0; j < matrix.dim; j++) data[r * matrix.dim + j]! *= factor;
    return { ...matrix, data };
  }

  for (const metric of ['ip', 'l2'] as const) {
    test(`a raw shard written at 8× scale is mixed-norm-shards under ${metric}, located by row`, async () => {
      const report = await check(save(scaled(base(), 8, (r) => r >= 6000)), { metric, dim: 128 });
      const [finding] = warnings(report, 'mixed-norm-shards');
      assert.ok(finding, JSON.stringify(report.findings));
      assert.equal(finding.severity, 'fail');
      const scales = finding.evidence.scales as { ratio: number; blocks: { firstRow: number }[]; interleaved: boolean };
      assert.ok(Math.abs(scales.ratio - 8) < 0.5);
      assert.equal(scales.interleaved, false);
      assert.ok(Math.abs(scales.blocks[0]!.firstRow - 6000) < 20);
    });
  }

  test('the same store under cosine gets an info that says it is harmless', async () => {
    const report = await check(save(scaled(base(), 8, (r) => r % 10 === 0)), { metric: 'cosine', dim: 128 });
    const finding = report.findings.find((f) => f.code === 'mixed-norm-shards');
    assert.equal(finding?.severity, 'info');
    assert.match(finding!.title, /harmless under cosine/);
  });

  test('raw vectors of one model at their natural spread of norms are one scale', async () => {
    for (const matrix of [base(), rows(wordnet('docs_model_b.f32.npy'), order.slice(0, ROWS))]) {
      const report = await check(save(matrix), { metric: 'ip', dim: 128 });
      assert.equal(
        report.findings.find((f) => f.code === 'mixed-norm-shards'),
        undefined,
      );
    }
  });

  test('rows whose trailing dimensions are exactly zero are dimension-mismatch, with the rows listed', async () => {
    const matrix = base();
    const broken = [5, 77, 901, 4000, 7999];
    for (const r of broken) matrix.data.fill(0, r * 128 + 64, (r + 1) * 128);
    const report = await check(save(matrix), { metric: 'l2', dim: 128, sample: ROWS });
    const [finding] = warnings(report, 'dimension-mismatch');
    assert.ok(finding, JSON.stringify(report.findings));
    const listed = (finding.evidence.trailingZeroRows as { row: number; zeroDims: number }[]).map((row) => row.row);
    assert.deepEqual(listed, broken);
  });

  test('a clean store has no trailing-zero rows, even quantized to a coarse grid', async () => {
    const matrix = base();
    const data = matrix.data.map((v) => Math.round(v * 20) / 20);
    const report = await check(save({ ...matrix, data }), { metric: 'l2', dim: 128 });
    assert.deepEqual(warnings(report, 'dimension-mismatch'), []);
  });

  test('isotropic random vectors are named random, not whitened', async () => {
    const rng = new Rng(9);
    const data = new Float32Array(ROWS * 128).map(() => rng.nextGaussian());
    const report = await check(save(normalized({ data, rows: ROWS, dim: 128 })), { metric: 'cosine', dim: 128 });
    const [finding] = warnings(report, 'metric-mismatch');
    assert.ok(finding, JSON.stringify(report.findings));
    assert.match(finding.title, /random/);
    assert.doesNotMatch(JSON.stringify(report), /look whitened/);
    assert.notEqual(report.policy.observed.whitened, true);
  });
});
