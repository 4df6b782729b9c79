import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { loadDocs, problems, snapshot } from './helpers.js';

const ROWS = 1500;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vectorclinic-pglite-store-'));
  const db = await PGlite.create({ dataDir: join(dir, 'db'), extensions: { vector } });
  // halfvec storage (half the bytes, float16 rounding) behind a cosine HNSW index.
  await buildPgvectorStore(db, { table: 'docs', type: 'halfvec', vectors: await loadDocs(ROWS, true), index: { method: 'hnsw', opclass: 'halfvec_cosine_ops' } });
  await db.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('pglite://DIR is checked in place without changing a byte of the data directory', { timeout: 300_000 }, async () => {
  const store = join(dir, 'db');
  const before = snapshot(store);
  const report = await check(`pglite://${store}?table=docs&column=embedding`, { metric: 'cosine', dim: 128, sample: 1000 });
  assert.deepEqual(snapshot(store), before);
  assert.equal(report.kind, 'pglite');
  assert.equal(report.stats.storage, 'float16');
  // A clean halfvec store: float16 rounding stays inside the unit-norm tolerance, the index finds its neighbours.
  assert.deepEqual(problems(report), {});
  assert.equal(report.stats.unitRows, report.stats.validRows);
});

test('a directory that is not a PGlite store: exit 2 with what to give instead', async () => {
  await assert.rejects(check(`pglite://${dir}?table=docs`), (error: Error & { exitCode?: number; hint?: string }) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /not a PGlite \/ Postgres data directory/);
    return true;
  });
  await assert.rejects(check(`pglite://${join(dir, 'missing')}`), /no such directory/);
});
