import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/api/check.js';
import { VectorclinicError } from '../../src/errors.js';
import { createManifest, describeFile, manifestPathFor, measureReference, readManifest, writeManifest } from '../../src/manifest/index.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { concat, DIM, loadRows } from './shared-data.js';

const CLEAN_ROWS = 3000;

async function cleanStore(dir: string): Promise<{ path: string; clean: Float32Array }> {
  const clean = await loadRows('docs.f32.npy', CLEAN_ROWS, { normalize: true });
  const path = join(dir, 'store.npy');
  writeNpy(path, clean, CLEAN_ROWS, DIM);
  writeManifest(
    path,
    createManifest({
      dim: DIM,
      metric: 'cosine',
      normalized: true,
      rows: CLEAN_ROWS,
      model: 'wn128',
      reference: measureReference(clean, CLEAN_ROWS, DIM),
      index: { ...describeFile(path), engine: 'numpy', type: 'flat', params: {} },
    }),
  );
  return { path, clean };
}

test('check reads the manifest beside a file as the declared policy; flags win', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { path } = await cleanStore(dir);
  assert.equal(readManifest(path)?.status, 'ok');
  const report = await check(path, { sample: 2000 });
  assert.equal(report.policy.declared.metric, 'cosine');
  assert.equal(report.policy.declared.normalized, true);
  assert.equal(report.policy.declared.model, 'wn128');
  assert.match(report.policy.declared.from ?? '', /^manifest .*store\.npy\.vectorclinic\.json$/);
  assert.deepEqual(
    report.findings.filter((f) => f.severity !== 'info').map((f) => f.code),
    [],
  );
  const overridden = await check(path, { sample: 2000, metric: 'l2' });
  assert.equal(overridden.policy.declared.metric, 'l2');
  assert.match(overridden.policy.declared.from ?? '', /options \(metric\) \+ manifest/);
  assert.ok(overridden.notes.some((note) => /--metric l2 overrides the store manifest's metric cosine/.test(note)));
});

test('rows added later by another model are reported as stale-codebook against the manifest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { path, clean } = await cleanStore(dir);
  const foreign = await loadRows('docs_model_b.f32.npy', 1000, { start: CLEAN_ROWS, normalize: true });
  writeNpy(path, concat(clean, foreign), CLEAN_ROWS + 1000, DIM);
  const report = await check(path, { sample: 4000 });
  const stale = report.findings.find((f) => f.code === 'stale-codebook');
  assert.equal(stale?.severity, 'fail');
  const share = stale?.evidence.foreignShare as number;
  assert.ok(share > 0.2 && share < 0.3, `foreign share ${share} should be near the 25% added`);
  assert.deepEqual(stale?.labels, ['No.8', 'No.14']);
  assert.ok(
    report.notes.some((note) => /changed after the manifest was written|recorded/.test(note)),
    report.notes.join('\n'),
  );
});

test('raw rows appended to a normalized store drift from the manifest policy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { path, clean } = await cleanStore(dir);
  const raw = await loadRows('docs.f32.npy', 1000, { start: CLEAN_ROWS });
  writeNpy(path, concat(clean, raw), CLEAN_ROWS + 1000, DIM);
  const report = await check(path, { sample: 4000 });
  const codes = report.findings.filter((f) => f.severity === 'fail').map((f) => f.code);
  assert.ok(codes.includes('normalization-drift') || codes.includes('mixed-norm-shards'), codes.join(', '));
  assert.ok(!codes.includes('stale-codebook'), 'same model, only unnormalized: not a foreign population');
});

test('a malformed manifest is a clear input error naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'v.npy');
  writeNpy(path, new Float32Array([1, 0]), 1, 2);
  writeFileSync(manifestPathFor(path), '{"schema": 1, "dim": "x"}');
  await assert.rejects(check(path), (error: unknown) => VectorclinicError.isInstance(error) && error.where === manifestPathFor(path) && /field/.test(error.message));
});
