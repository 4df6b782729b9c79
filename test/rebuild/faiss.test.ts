import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorclinicError } from '../../src/errors.js';
import { readManifest } from '../../src/manifest/manifest.js';
import { FAISS_INSTALL, rebuild } from '../../src/rebuild/index.js';
import { pythonForFaiss } from '../../src/rebuild/engines/faiss.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { DIM, loadRows } from './shared-data.js';

const ROWS = 1500;
const hasFaiss = spawnSync(pythonForFaiss(), ['-c', 'import faiss, numpy'], { stdio: 'ignore' }).status === 0;

test('FAISS IVF-PQ through python3-faiss: parameters scaled to the data, ntotal verified, codebook fingerprinted', { skip: hasFaiss ? false : `needs ${FAISS_INSTALL}` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-faiss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'store.npy');
  writeNpy(source, await loadRows('docs.f32.npy', ROWS), ROWS, DIM);
  const out = join(dir, 'store.faiss');
  const result = await rebuild({ source, out, metric: 'cosine', index: 'ivfpq', apply: true, checkBeforeAfter: false });
  // nlist = min(4·√1500 ≈ 155, 1500 / 39 = 38): the 39-points-per-list floor decides here.
  assert.deepEqual(result.plan.index.params, { nlist: 38, nprobe: 5, m: 32, nbits: 8, trainingRows: 1500 });
  assert.equal(result.applied?.ntotal, ROWS);
  const manifest = readManifest(out)!.manifest;
  assert.equal(manifest.index?.type, 'IndexIVFPQ');
  assert.match(manifest.codebook?.codebook ?? '', /^[0-9a-f]{64}$/);
  assert.match(manifest.codebook?.training ?? '', /^[0-9a-f]{64}$/);
});

test('a missing FAISS is a clear error with the one install command, and nothing is written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-faiss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'store.npy');
  writeNpy(source, await loadRows('docs.f32.npy', 100), 100, DIM);
  const previous = process.env.VECTORCLINIC_PYTHON;
  process.env.VECTORCLINIC_PYTHON = join(dir, 'no-such-python');
  t.after(() => (previous === undefined ? delete process.env.VECTORCLINIC_PYTHON : (process.env.VECTORCLINIC_PYTHON = previous)));
  await assert.rejects(
    rebuild({ source, out: join(dir, 'x.faiss'), metric: 'cosine', index: 'flat', apply: true, checkBeforeAfter: false }),
    (error: unknown) => VectorclinicError.isInstance(error) && /cannot run .*no-such-python/.test(error.message) && (error.hint ?? '').includes(FAISS_INSTALL),
  );
  assert.equal(readManifest(join(dir, 'x.faiss')), undefined);
});
