import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { STORE_MANIFEST_PREFIX } from '../../src/manifest/store-manifest.js';
import { REBUILD_STEPS } from '../../src/rebuild/types.js';
import { runInPlaceRebuild } from './kill-child.js';
import { brokenPgliteStore } from './pgvector-store.js';

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
  const run = await runInPlaceRebuild(`pglite://${finished}?table=items`);
  assert.equal(run.code, 0, run.stderr);
  const newState = await state(finished);
  assert.notEqual(newState, oldState);

  for (const step of REBUILD_STEPS) {
    const copy = join(dir, `killed-at-${step}`);
    cpSync(pristine, copy, { recursive: true });
    const killed = await runInPlaceRebuild(`pglite://${copy}?table=items`, step);
    assert.equal(killed.signal, 'SIGKILL', `${step}: ${killed.stderr}`);
    const after = await state(copy);
    // Before COMMIT nothing happened; from COMMIT on, everything did.
    const committed = REBUILD_STEPS.indexOf(step) > REBUILD_STEPS.indexOf('commit-index');
    assert.equal(after, committed ? newState : oldState, `killed before ${step}`);
    rmSync(copy, { recursive: true, force: true });
  }
});
