import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STORE_MANIFEST_PREFIX } from '../../src/manifest/store-manifest.js';
import { PAUSE_ENV } from '../../src/rebuild/steps.js';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { brokenPgliteStore } from './pgvector-store.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** Run `rebuild --apply` in place in a child; SIGKILL it when it pauses at `step` (or let it finish). */
function runChild(url: string, step?: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rebuild', url, '--out', url, '--metric', 'cosine', '--index', 'hnsw', '--m', '8', '--ef-construction', '40', '--apply', '--no-check', '--format', 'json'], {
    env: { ...process.env, ...(step ? { [PAUSE_ENV]: step } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (step && stderr.includes(`paused before ${step}`)) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

/** The table as a client sees it after the crash: row count, vector index methods/opclasses, manifest present. */
async function state(dataDir: string): Promise<string> {
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  try {
    const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n;
    const indexes = (await db.query<{ d: string }>("SELECT substring(indexdef from 'USING .*') AS d FROM pg_indexes WHERE tablename = 'items' AND indexdef ~ 'USING (hnsw|ivfflat)' ORDER BY 1")).rows.map((r) => r.d);
    const comment = (await db.query<{ c: string | null }>("SELECT col_description('items'::regclass, 2) AS c")).rows[0]?.c;
    return JSON.stringify({ rows, indexes, manifest: comment?.startsWith(STORE_MANIFEST_PREFIX) ?? false });
  } finally {
    await db.close();
  }
}

test('SIGKILL at any step of an in-place pgvector rebuild leaves the old table or the new one', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-pgvector-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pristine = join(dir, 'pristine');
  await brokenPgliteStore(pristine);
  const oldState = await state(pristine);

  const finished = join(dir, 'finished');
  cpSync(pristine, finished, { recursive: true });
  const run = await runChild(`pglite://${finished}?table=items`);
  assert.equal(run.code, 0, run.stderr);
  const newState = await state(finished);
  assert.notEqual(newState, oldState);

  for (const step of REBUILD_STEPS) {
    const copy = join(dir, `killed-at-${step}`);
    cpSync(pristine, copy, { recursive: true });
    const killed = await runChild(`pglite://${copy}?table=items`, step);
    assert.equal(killed.signal, 'SIGKILL', `${step}: ${killed.stderr}`);
    const after = await state(copy);
    // Before COMMIT nothing happened; from COMMIT on, everything did.
    const committed = REBUILD_STEPS.indexOf(step) > REBUILD_STEPS.indexOf('commit-index');
    assert.equal(after, committed ? newState : oldState, `killed before ${step}`);
    rmSync(copy, { recursive: true, force: true });
  }
});
