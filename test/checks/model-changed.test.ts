import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { join } from 'node:path';
import { check } from '../../src/api/check.js';
import { guardFile } from '../../src/guard/guard-file.js';
import { manifestSchema } from '../../src/manifest/schema.js';
import { Rng } from '../../src/math/rng.js';
import { writeNpy } from '../helpers/npy.js';
import { tempDir, WORDNET_DIR, wordnet, type Matrix } from '../helpers/wordnet.js';

/**
 * model-changed on real embeddings: a store guarded with model A (manifest + fingerprint), then
 * refilled. Model B (same documents, another fastText model) and model A in rotated coordinates
 * must fail; model A with other documents (another part of WordNet) must pass without a word.
 */
const dir = tempDir(after);

/** Guard `matrix` into `name` (writes name + its manifest), as a user would with `vectorclinic guard`. */
async function guarded(name: string, matrix: Matrix): Promise<string> {
  const input = join(dir, `${name}.in.npy`);
  writeNpy(input, matrix.data, matrix.rows, matrix.dim);
  const out = join(dir, `${name}.npy`);
  await guardFile({ input, out, dim: matrix.dim, metric: 'cosine', model: 'wn128' });
  return out;
}

/** Replace a guarded file's rows, keeping its manifest (a store refilled behind the manifest's back). */
function refill(path: string, matrix: Matrix): void {
  writeNpy(path, matrix.data, matrix.rows, matrix.dim);
}

function rows(matrix: Matrix, start: number, end: number): Matrix {
  return { data: matrix.data.slice(start * matrix.dim, end * matrix.dim), rows: end - start, dim: matrix.dim };
}

/** The rows in another orthonormal basis (Gram–Schmidt on Gaussian vectors): same geometry, other coordinates. */
function rotated(matrix: Matrix, seed: number): Matrix {
  const { dim } = matrix;
  const rng = new Rng(seed);
  const basis = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) basis[i * dim + j] = rng.nextGaussian();
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += (basis[i * dim + j] as number) * (basis[k * dim + j] as number);
      for (let j = 0; j < dim; j++) basis[i * dim + j] = (basis[i * dim + j] as number) - dot * (basis[k * dim + j] as number);
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (basis[i * dim + j] as number) ** 2;
    for (let j = 0; j < dim; j++) basis[i * dim + j] = (basis[i * dim + j] as number) / Math.sqrt(norm);
  }
  const data = new Float32Array(matrix.rows * dim);
  for (let r = 0; r < matrix.rows; r++) {
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += (matrix.data[r * dim + j] as number) * (basis[i * dim + j] as number);
      data[r * dim + i] = sum;
    }
  }
  return { ...matrix, data };
}

const modelA = wordnet();
const modelB = wordnet('docs_model_b.f32.npy');
const codes = (report: Awaited<ReturnType<typeof check>>) => report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}:${f.severity}`);

test('guard records a compact model fingerprint; the manifest schema reads it', async () => {
  const path = await guarded('fingerprint', rows(modelA, 0, 4000));
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(`${path}.vectorclinic.json`, 'utf8')));
  const fingerprint = manifest.reference?.fingerprint;
  assert.ok(fingerprint);
  assert.equal(fingerprint.direction.length, 64, 'the projection does not grow with the model dimension');
  assert.ok(fingerprint.alignment.p01 < fingerprint.alignment.p50);
  assert.equal(fingerprint.spectrum.length, 8);
  assert.equal(
    (await check(path)).findings.find((f) => f.code === 'model-changed'),
    undefined,
  );
});

test('a store refilled by another model fails model-changed (and only as a refill, not as rows added later)', async () => {
  const path = await guarded('swap', modelA);
  refill(path, modelB);
  const report = await check(path, { metric: 'cosine', dim: 128 });
  const changed = report.findings.find((f) => f.code === 'model-changed');
  assert.ok(changed, `got ${codes(report).join(', ')}`);
  assert.equal(changed.severity, 'fail');
  assert.match(changed.message, /not from the model the manifest records \(wn128\)/);
  assert.ok((changed.evidence.belowShare as number) > 0.9);
  assert.equal(changed.evidence.basis, 'fingerprint');
  assert.equal(
    report.findings.find((f) => f.code === 'stale-codebook'),
    undefined,
    'one story: the store was refilled',
  );
});

test('model A in rotated coordinates (identical geometry, another basis) fails model-changed', async () => {
  const path = await guarded('rotation', rows(modelA, 0, 6000));
  refill(path, rotated(rows(modelA, 6000, 12000), 11));
  const changed = (await check(path, { metric: 'cosine', dim: 128 })).findings.find((f) => f.code === 'model-changed');
  assert.equal(changed?.severity, 'fail');
});

test('the same model refilled with other documents passes: nouns at build, verbs/adjectives/adverbs now', async () => {
  // WordNet order is n, v, a, r: the first 10,000 rows are nouns, most of the rest are not.
  const path = await guarded('topics', rows(modelA, 0, 10_000));
  refill(path, rows(modelA, 10_000, 20_000));
  for (const seed of [0, 1]) {
    const report = await check(path, { metric: 'cosine', dim: 128, seed });
    assert.equal(
      report.findings.find((f) => f.code === 'model-changed'),
      undefined,
      `seed ${seed}: ${codes(report).join(', ')}`,
    );
  }
});

test('a manifest written before the fingerprint still reads and is compared by its mean direction', async () => {
  const path = await guarded('old-manifest', modelA);
  const manifestPath = `${path}.vectorclinic.json`;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  delete manifest.reference.fingerprint;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  assert.equal(
    (await check(path)).findings.find((f) => f.code === 'model-changed'),
    undefined,
  );
  copyFileSync(join(WORDNET_DIR, 'docs_model_b.f32.npy'), path);
  const changed = (await check(path, { metric: 'cosine', dim: 128 })).findings.find((f) => f.code === 'model-changed');
  assert.equal(changed?.severity, 'fail');
  assert.equal(changed?.evidence.basis, 'mean-direction');
});

test('without a manifest the check says it could not run, never that the model matches', async () => {
  const path = join(dir, 'no-manifest.npy');
  writeNpy(path, modelA.data, modelA.rows, modelA.dim);
  const outcome = (await check(path, { metric: 'cosine', dim: 128 })).checks.find((c) => c.code === 'model-changed');
  assert.equal(outcome?.status, 'not-applicable');
  assert.match(outcome?.detail ?? '', /manifest/);
});
