import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../../src/manifest/manifest.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { acquireOutputLock, lockPathFor } from '../../src/rebuild/files/output-lock.js';
import { rebuild } from '../../src/rebuild/index.js';
import { sha256File } from '../../src/io/sha256.js';
import { PAUSE_ENV } from '../../src/rebuild/steps.js';
import { DIM, loadRows } from './shared-data.js';
import { QUICK_HNSW_FLAGS } from './kill-child.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const ROWS = 400;

interface Child {
  readonly pid: number;
  /** Resolves once the child announced its pause (or at once when it does not pause). */
  readonly paused: Promise<void>;
  readonly done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  kill(): void;
}

/** `vectorclinic rebuild SOURCE --out OUT --apply` as a real process, optionally paused before `pauseAt`. */
function startRebuild(source: string, out: string, pauseAt?: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rebuild', source, '--out', out, '--metric', 'cosine', '--index', 'hnsw', ...QUICK_HNSW_FLAGS, '--apply', '--no-check', '--format', 'json'], {
    env: { ...process.env, ...(pauseAt ? { [PAUSE_ENV]: pauseAt } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markPaused: () => void = () => undefined;
  const paused = new Promise<void>((resolve) => (markPaused = resolve));
  if (!pauseAt) markPaused();
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (pauseAt && stderr.includes(`paused before ${pauseAt}`)) markPaused();
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      markPaused();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { pid: child.pid as number, paused, done, kill: () => child.kill('SIGKILL') };
}

test("a second concurrent rebuild --apply to the same output exits 2 naming the holder; a dead holder's lock is taken over", { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'store'));
  const out = join(dir, 'store', 'index.hnsw');
  const source = join(dir, 'docs.npy');
  writeNpy(source, await loadRows('docs.f32.npy', ROWS), ROWS, DIM);

  const first = startRebuild(source, out, 'build');
  t.after(() => first.kill());
  await first.paused;
  const holder = JSON.parse(readFileSync(lockPathFor(out), 'utf8')) as { pid: number; host: string; startedAt: string };
  assert.equal(holder.pid, first.pid);
  assert.equal(holder.host, hostname());

  const second = await startRebuild(source, out).done;
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`another rebuild is writing this output: process ${first.pid} on ${hostname()}, since ${holder.startedAt.slice(0, 16)}`));
  assert.equal(second.stdout, '');
  assert.ok(!existsSync(out), 'the refused run wrote nothing');

  // The holder dies without releasing: its lock is stale, and the next run takes it over.
  first.kill();
  assert.equal((await first.done).signal, 'SIGKILL');
  assert.ok(existsSync(lockPathFor(out)), 'a killed run leaves its lock');
  const third = await startRebuild(source, out).done;
  assert.equal(third.code, 0, third.stderr);
  const result = JSON.parse(third.stdout) as { applied: { staleTempsRemoved: string[] } };
  assert.ok(
    result.applied.staleTempsRemoved.some((note) => note.includes(`lock of process ${first.pid}, gone`)),
    result.applied.staleTempsRemoved.join('; '),
  );
  assert.ok(!existsSync(lockPathFor(out)), 'released after the run');
  assert.equal(readManifest(out)?.status, 'ok');

  // Two runs started together: one writes, the other is refused (or runs after it); never both at once.
  const before = sha256File(out);
  const [a, b] = [startRebuild(source, out), startRebuild(source, out)];
  const runs = await Promise.all([a.done, b.done]);
  const codes = runs.map((run) => run.code).sort();
  assert.ok(JSON.stringify(codes) === '[0,0]' || JSON.stringify(codes) === '[0,2]', `exit codes ${codes.join(', ')}: ${runs.map((run) => run.stderr).join('\n')}`);
  for (const [i, run] of runs.entries()) if (run.code === 2) assert.match(run.stderr, new RegExp(`process ${[a, b][1 - i]?.pid} on`));
  const loaded = readManifest(out);
  assert.equal(loaded?.status, 'ok');
  assert.equal(loaded?.manifest.index?.sha256, sha256File(out));
  assert.ok(before.length > 0 && !existsSync(lockPathFor(out)));
});

test('a LanceDB table being rebuilt is locked the same way (the lock file beside TABLE.lance)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-lock-lance-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'docs.npy');
  writeNpy(source, await loadRows('docs.f32.npy', 50), 50, DIM);
  const held = acquireOutputLock(join(dir, 'docs.lance'), 'lancedb://docs');
  t.after(() => held.release());
  await assert.rejects(rebuild({ source, out: `lancedb://${dir}/docs`, metric: 'cosine', index: 'flat', apply: true, checkBeforeAfter: false }), (error: Error & { exitCode?: number }) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, new RegExp(`another rebuild is writing this output: process ${process.pid} on `));
    return true;
  });
  assert.ok(!existsSync(join(dir, 'docs.lance')), 'nothing was written');
});
