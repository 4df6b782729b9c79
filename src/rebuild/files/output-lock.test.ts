import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireOutputLock, lockPathFor } from './output-lock.js';

/** A pid that surely ran and is gone: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('the output lock: exclusive, names its holder, takes over a dead one, never a live one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-lock-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'index.hnsw');
  const lock = acquireOutputLock(out, 'index.hnsw');
  assert.ok(!lock.brokeStale);
  const held = JSON.parse(readFileSync(lockPathFor(out), 'utf8')) as { pid: number; host: string; startedAt: string };
  assert.deepEqual([held.pid, held.host], [process.pid, hostname()]);
  assert.throws(
    () => acquireOutputLock(out, 'index.hnsw'),
    (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, new RegExp(`process ${process.pid} on ${hostname()}, since ${held.startedAt}`));
      return true;
    },
  );
  lock.release();
  assert.ok(!existsSync(lockPathFor(out)));

  // A holder that is gone: taken over and reported.
  const gone = deadPid();
  writeFileSync(lockPathFor(out), JSON.stringify({ pid: gone, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'x', token: 'old' }));
  const taken = acquireOutputLock(out, 'index.hnsw');
  assert.equal(taken.brokeStale?.pid, gone);
  taken.release();

  // A live pid that is another process than the one that wrote the lock (reused after a reboot): stale.
  writeFileSync(lockPathFor(out), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'x', token: 'reused', identity: 'another-boot/1' }));
  const reused = acquireOutputLock(out, 'index.hnsw');
  assert.equal(reused.brokeStale?.token, 'reused');
  reused.release();

  // Another host: cannot tell whether it lives, so it is not taken over.
  writeFileSync(lockPathFor(out), JSON.stringify({ pid: gone, host: 'elsewhere.example', startedAt: '2026-01-01T00:00:00.000Z', command: 'x', token: 'remote' }));
  assert.throws(() => acquireOutputLock(out, 'index.hnsw'), /process \d+ on elsewhere\.example/);

  // Half written by a process killed right after creating it: busy while fresh, stale once old.
  writeFileSync(lockPathFor(out), '');
  assert.throws(() => acquireOutputLock(out, 'index.hnsw'), /just starting/);
  utimesSync(lockPathFor(out), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  acquireOutputLock(out, 'index.hnsw').release();
  assert.ok(!existsSync(lockPathFor(out)));
});
