import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLancedbOut } from '../../src/rebuild/stores/lancedb/out-url.js';
import { recoverInterrupted, writeSwapJournal } from '../../src/rebuild/stores/lancedb/swap.js';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { runInPlaceRebuild } from './kill-child.js';
import { brokenLanceTable, lanceState } from './lancedb-store.js';

/** The state without the version number (the same rows and index written again get new versions). */
async function contents(dir: string): Promise<string> {
  const { version: _version, ...rest } = await lanceState(dir);
  return JSON.stringify(rest);
}

test('SIGKILL at any step of an in-place LanceDB rebuild leaves the old table or the new one; the next run cleans up', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-lancedb-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pristine = join(dir, 'pristine');
  await brokenLanceTable(pristine);
  const oldState = await contents(pristine);
  const finished = join(dir, 'finished');
  cpSync(pristine, finished, { recursive: true });
  const run = await runInPlaceRebuild(`lancedb://${finished}/items`);
  assert.equal(run.code, 0, run.stderr);
  const newState = await contents(finished);
  assert.notEqual(newState, oldState);

  for (const step of REBUILD_STEPS) {
    const copy = join(dir, `killed-at-${step}`);
    cpSync(pristine, copy, { recursive: true });
    const killed = await runInPlaceRebuild(`lancedb://${copy}/items`, step);
    assert.equal(killed.signal, 'SIGKILL', `${step}: ${killed.stderr}`);
    const swapped = REBUILD_STEPS.indexOf(step) > REBUILD_STEPS.indexOf('commit-index');
    assert.equal(await contents(copy), swapped ? newState : oldState, `killed before ${step}`);
    // The next run removes what the killed one left (staging table, journal, previous table) and rebuilds.
    const rerun = await runInPlaceRebuild(`lancedb://${copy}/items`);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(readdirSync(copy), ['items.lance'], `after a rerun following a kill before ${step}`);
    assert.equal(await contents(copy), newState);
    rmSync(copy, { recursive: true, force: true });
  }
});

test('killed between the two renames: the next run finishes the swap from the journal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-lancedb-swap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await brokenLanceTable(dir);
  const out = parseLancedbOut(`lancedb://${dir}/items`);
  assert.ok(out);
  // Stage a copy of the table, journal the swap, and do only its first rename.
  cpSync(out.tableDir, join(dir, 'items__vectorclinic_build_1_x.lance'), { recursive: true });
  const journal = writeSwapJournal(out, 'items__vectorclinic_build_1_x');
  renameSync(out.tableDir, journal.previous);
  assert.equal(existsSync(out.tableDir), false);
  assert.deepEqual(recoverInterrupted(out), ['finished an interrupted swap: items is the rebuilt table']);
  assert.deepEqual(readdirSync(dir), ['items.lance']);
  assert.equal((await lanceState(dir)).rows, 1200);
});
