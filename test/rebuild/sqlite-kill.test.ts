import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { runInPlaceRebuild, runRebuildChild } from './kill-child.js';
import { brokenSqliteStore, sqliteTableState } from './sqlite-store.js';

/** Both rebuilt tables as a client sees them after the crash (opening the file rolls a hot journal back). */
function state(file: string): string {
  return JSON.stringify(['docs', 'items'].map((table) => sqliteTableState(file, table)));
}

test('SIGKILL at any step of an in-place SQLite rebuild leaves the old table or the new one', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-sqlite-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pristine = join(dir, 'pristine.db');
  await brokenSqliteStore(pristine);
  const oldState = state(pristine);
  const url = (file: string, table: string): string => `sqlite://${file}?table=${table}`;
  // docs: an F32_BLOB table whose libsql index is dropped and rebuilt; items: a vec0 table declared again (another distance_metric).
  const runs = {
    docs: (file: string, step?: string) => runInPlaceRebuild(url(file, 'docs'), step),
    items: (file: string, step?: string) => runRebuildChild([url(file, 'items'), '--out', url(file, 'items'), '--metric', 'cosine', '--index', 'flat'], step ? { step } : {}),
  };
  for (const [table, run] of Object.entries(runs)) {
    const finished = join(dir, `${table}-finished.db`);
    copyFileSync(pristine, finished);
    const done = await run(finished);
    assert.equal(done.code, 0, done.stderr);
    const newState = state(finished);
    assert.notEqual(newState, oldState);
    // Every step for the index rebuild; the vec0 redeclaration around its transaction's edges.
    const steps = table === 'docs' ? REBUILD_STEPS : (['build', 'commit-index', 'commit-manifest'] as const);
    for (const step of steps) {
      const copy = join(dir, `${table}-killed-at-${step}.db`);
      copyFileSync(pristine, copy);
      const killed = await run(copy, step);
      assert.equal(killed.signal, 'SIGKILL', `${table} ${step}: ${killed.stderr}`);
      // Before COMMIT nothing happened; from COMMIT on, everything did.
      const committed = REBUILD_STEPS.indexOf(step) > REBUILD_STEPS.indexOf('commit-index');
      assert.equal(state(copy), committed ? newState : oldState, `${table}: killed before ${step}`);
      rmSync(copy, { force: true });
      rmSync(`${copy}-journal`, { force: true });
    }
  }
});
