import Database from 'libsql';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getLoadablePath } from 'sqlite-vec';
import { check } from '../../src/api/check.js';
import type { LibsqlDatabase } from '../../src/engines/sqlite/session.js';
import { guardSqliteTable } from '../../src/guard/sqlite-table.js';
import { loadDocs, problems } from '../stores/helpers.js';

const DIM = 128;
const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-sqlite-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a guard in front of inserts into a cosine vec0 table: bad rows never reach it, the table checks clean', async () => {
  const file = join(dir, 'app.db');
  const db = new Database(file) as unknown as LibsqlDatabase;
  db.loadExtension(getLoadablePath());
  db.exec(`CREATE VIRTUAL TABLE docs USING vec0(id INTEGER PRIMARY KEY, embedding float[${DIM}] distance_metric=cosine)`);
  // The table's metric is the policy: a conflicting one is refused before anything is written.
  await assert.rejects(guardSqliteTable(db, { table: 'docs', metric: 'l2' }), /disagrees with the table's cosine/);
  const guard = await guardSqliteTable(db, { table: 'docs' });
  const raw = await loadDocs(2000, false);
  const rows = Array.from({ length: raw.count }, (_, i) => Array.from(raw.data.subarray(i * DIM, (i + 1) * DIM)));
  rows[3] = new Array(DIM).fill(0);
  rows[4] = [...(rows[4] as number[])];
  (rows[4] as number[])[0] = Number.NaN;
  rows[5] = (rows[5] as number[]).slice(0, 96);
  const first = guard.insert(
    rows.slice(0, 1000),
    Array.from({ length: 1000 }, (_, i) => i + 1),
  );
  assert.deepEqual(first.report.causes, { dimension: 1, nonfinite: 1, zero: 1, duplicate: 0, 'existing-id': 0, unreadable: 0 });
  // Ids already stored are refused, never overwritten.
  const second = guard.insert(
    rows.slice(1000),
    Array.from({ length: 1000 }, (_, i) => (i === 0 ? 1 : i + 1001)),
  );
  assert.equal(second.report.causes['existing-id'], 1);
  const count = (db.prepare('SELECT count(*) AS n FROM docs').all([]) as { n: number }[])[0]?.n;
  assert.equal(count, 997 + 999);
  db.close();
  // Raw model output was normalized on the way in: a clean cosine table.
  const report = await check(`sqlite://${file}?table=docs`, { metric: 'cosine', sample: 1000 });
  assert.deepEqual(problems(report), {});
  assert.equal(report.stats.unitRows, report.stats.validRows);
});
