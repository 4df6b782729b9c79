import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { readManifest } from '../../src/manifest/manifest.js';
import { rebuild } from '../../src/rebuild/index.js';
import { sha256File } from '../../src/io/sha256.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { Rng } from '../../src/math/rng.js';
import { DIM, loadRows } from './shared-data.js';
import { QUICK_HNSW_FLAGS, runRebuildChild, type ChildRun } from './kill-child.js';

const ROWS = 800;
const BAD_ROWS = 5;
const RANDOM_KILLS = 3;

/** Rebuild `source` into the HNSW file `out` in a child, killed as `kill` says. */
const runChild = (source: string, out: string, kill: { step?: string; delayMs?: number }): Promise<ChildRun> => runRebuildChild([source, '--metric', 'cosine', '--index', 'hnsw', '--out', out, ...QUICK_HNSW_FLAGS], kill);

function indexCount(path: string): number {
  const index = new hnswlib.HierarchicalNSW('ip', DIM);
  index.readIndexSync(path);
  return index.getCurrentCount();
}

function restore(snapshot: string, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  cpSync(snapshot, outDir, { recursive: true });
}

test('SIGKILL at any step of rebuild --apply leaves the old index or the new one, never a broken file', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outDir = join(dir, 'store');
  mkdirSync(outDir);
  const out = join(outDir, 'index.hnsw');
  const oldSource = join(dir, 'old.npy');
  writeNpy(oldSource, await loadRows('docs.f32.npy', ROWS), ROWS, DIM);
  const newRows = await loadRows('docs.f32.npy', ROWS, { start: ROWS });
  newRows.fill(0, 0, BAD_ROWS * DIM);
  const newSource = join(dir, 'new.npy');
  writeNpy(newSource, newRows, ROWS, DIM);

  await rebuild({ source: oldSource, out, metric: 'cosine', index: 'hnsw', hnsw: { M: 8, efConstruction: 40 }, apply: true, checkBeforeAfter: false });
  const oldSha = sha256File(out);
  const snapshot = join(dir, 'snapshot');
  cpSync(outDir, snapshot, { recursive: true });

  const complete = await runChild(newSource, out, {});
  assert.equal(complete.code, 0, complete.stderr);
  const newSha = sha256File(out);
  assert.notEqual(newSha, oldSha);
  assert.equal(indexCount(out), ROWS - BAD_ROWS);

  const assertIntact = (when: string): void => {
    const sha = sha256File(out);
    assert.ok(sha === oldSha || sha === newSha, `${when}: index is neither the old nor the new one`);
    assert.equal(indexCount(out), sha === oldSha ? ROWS : ROWS - BAD_ROWS, `${when}: index unreadable or wrong size`);
    const loaded = readManifest(out);
    assert.ok(loaded, `${when}: manifest missing`);
    // Index and manifest are one unit: the manifest readers get always names the index in place.
    assert.deepEqual(loaded.problems, [], `${when}: the manifest does not match the index`);
    assert.equal(loaded.status, 'ok', `${when}: manifest and index disagree`);
    assert.equal(loaded.manifest.index?.sha256, sha, `${when}: manifest claims another index`);
    assert.equal(loaded.manifest.rows, sha === oldSha ? ROWS : ROWS - BAD_ROWS, `${when}: the manifest's row count is not the index's`);
  };

  const seen = new Set<string>();
  for (const step of REBUILD_STEPS) {
    restore(snapshot, outDir);
    const run = await runChild(newSource, out, { step });
    assert.equal(run.signal, 'SIGKILL', `${step}: the child was not killed at its pause (${run.stderr})`);
    assertIntact(`killed before ${step}`);
    seen.add(sha256File(out) === oldSha ? 'old' : 'new');
  }
  assert.deepEqual([...seen].sort(), ['new', 'old'], 'kills before and after the commit both happened');

  const rng = new Rng(7);
  for (let i = 0; i < RANDOM_KILLS; i++) {
    restore(snapshot, outDir);
    const delayMs = 300 + rng.nextInt(2500);
    await runChild(newSource, out, { delayMs });
    assertIntact(`killed after ${delayMs} ms`);
  }

  // Leave litter from a kill in the middle of the build, then let a full run clean it up.
  restore(snapshot, outDir);
  await runChild(newSource, out, { step: 'verify' });
  assert.ok(
    readdirSync(outDir).some((name) => name.includes('.vctmp-')),
    'the killed run left its temp files',
  );
  const finished = await rebuild({ source: newSource, out, metric: 'cosine', index: 'hnsw', hnsw: { M: 8, efConstruction: 40 }, apply: true, checkBeforeAfter: false });
  assert.ok((finished.applied?.staleTempsRemoved.length ?? 0) > 0);
  const names = readdirSync(outDir).sort();
  const manifest = readManifest(out)!.manifest;
  assert.deepEqual(names, ['index.hnsw', manifest.ids!.file, 'index.hnsw.vectorclinic.json'].sort());
  assert.ok(existsSync(out));
});
