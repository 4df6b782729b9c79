import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { runRebuildChild } from './kill-child.js';
import { brokenDuckdbStore, duckdbState } from './duckdb-store.js';

/** The database file and its write-ahead log (a commit not yet checkpointed lives there). */
function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
  if (existsSync(`${from}.wal`)) copyFileSync(`${from}.wal`, `${to}.wal`);
}

test('SIGKILL at any step of an in-place DuckDB rebuild leaves the old table or the new one', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-duckdb-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pristine = join(dir, 'pristine.duckdb');
  await brokenDuckdbStore(pristine);
  const oldState = JSON.stringify(await duckdbState(pristine));
  const rebuildOf = (file: string, step?: string) => {
    const url = `duckdb://${file}?table=docs`;
    return runRebuildChild([url, '--out', url, '--metric', 'cosine', '--index', 'flat'], step ? { step } : {});
  };

  const finished = join(dir, 'finished.duckdb');
  copyDatabase(pristine, finished);
  const run = await rebuildOf(finished);
  assert.equal(run.code, 0, run.stderr);
  const newState = JSON.stringify(await duckdbState(finished));
  assert.notEqual(newState, oldState);

  for (const step of REBUILD_STEPS) {
    const copy = join(dir, `killed-at-${step}.duckdb`);
    copyDatabase(pristine, copy);
    const killed = await rebuildOf(copy, step);
    assert.equal(killed.signal, 'SIGKILL', `${step}: ${killed.stderr}`);
    // Before COMMIT nothing happened; from COMMIT on, everything did (replayed from the log on open).
    const committed = REBUILD_STEPS.indexOf(step) > REBUILD_STEPS.indexOf('commit-index');
    // Committed but not checkpointed: check (read-only) cannot replay the log, and says what to do.
    if (step === 'commit-manifest') {
      assert.ok(existsSync(`${copy}.wal`), 'a small commit stays in the log until the checkpoint');
      await assert.rejects(check(`duckdb://${copy}?table=docs`, { sample: 100 }), (error: Error & { exitCode?: number }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /write-ahead log .* a read-only open cannot replay it/);
        return true;
      });
    }
    assert.equal(JSON.stringify(await duckdbState(copy)), committed ? newState : oldState, `killed before ${step}`);
    // Opened again after the crash, the file takes a second rebuild.
    if (step === 'commit-index') assert.equal((await rebuildOf(copy)).code, 0);
  }
});
