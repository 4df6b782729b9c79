import Database from 'libsql';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../src/manifest/manifest.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { openNpy } from '../../src/sources/files/npy.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { DIM, loadRows } from '../rebuild/shared-data.js';

const cli = (...args: string[]): CliRun => runCliSync(args);

test('vectorclinic guard: clean .npy + manifest, rejected rows quarantined, exit 1 when rows were rejected', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-guard-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rows = 300;
  const data = await loadRows('docs.f32.npy', rows);
  data.fill(0, 10 * DIM, 11 * DIM);
  data[20 * DIM + 4] = Number.POSITIVE_INFINITY;
  const input = join(dir, 'in.npy');
  writeNpy(input, data, rows, DIM);
  const out = join(dir, 'clean.npy');
  const quarantine = join(dir, 'bad.jsonl');
  const run = cli('guard', input, '--dim', String(DIM), '--metric', 'cosine', '--out', out, '--quarantine', quarantine, '--format', 'json');
  assert.equal(run.code, 1, run.stderr);
  const result = JSON.parse(run.stdout) as { totals: { ingested: number; accepted: number; rejected: number } };
  assert.deepEqual([result.totals.ingested, result.totals.accepted, result.totals.rejected], [rows, rows - 2, 2]);
  const quarantined = readFileSync(quarantine, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { row: number; id: number; cause: string });
  assert.deepEqual(
    quarantined.map((r) => [r.id, r.cause]),
    [
      [10, 'zero'],
      [20, 'nonfinite'],
    ],
  );
  const clean = openNpy(out);
  assert.equal((await clean.describe()).rows, rows - 2);
  await clean.close();
  const manifest = readManifest(out);
  assert.equal(manifest?.status, 'ok');
  assert.equal(manifest?.manifest.normalized, true);

  const again = cli('guard', out, '--dim', String(DIM), '--metric', 'cosine', '--out', join(dir, 'again.npy'));
  assert.equal(again.code, 0, 'a clean file passes: nothing rejected');
  assert.match(again.stdout, /normalized 0 rows, 298 already unit length/);

  const wrongDim = cli('guard', input, '--dim', '64', '--metric', 'cosine', '--out', join(dir, 'x.npy'));
  assert.equal(wrongDim.code, 1);
  assert.match(wrongDim.stdout, /rejected 300 \(dimension 300\)/);

  writeFileSync(join(dir, 'broken.npy'), 'not numpy');
  const broken = cli('guard', join(dir, 'broken.npy'), '--dim', '8', '--metric', 'cosine', '--out', join(dir, 'y.npy'));
  assert.equal(broken.code, 2);
  assert.equal(broken.stderr.split('\n').filter(Boolean).length <= 2, true, broken.stderr);
  assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
});

test('rows a reader cannot decode are ingested and refused, never dropped unseen: guard and the rebuild plan count them alike', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-guard-unreadable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, ['{"id":"a","vector":[1,0,0]}', '{"id":"b","vector":[1,0]}', '{"id":"c","vector":null}', '{"id":"d","vector":[0,1,0]}', ''].join('\n'));
  const quarantine = join(dir, 'bad.jsonl');
  const run = cli('guard', input, '--dim', '3', '--metric', 'cosine', '--out', join(dir, 'clean.npy'), '--quarantine', quarantine, '--format', 'json');
  assert.equal(run.code, 1, run.stderr);
  const result = JSON.parse(run.stdout) as { totals: { ingested: number; accepted: number; rejected: number; causes: Record<string, number> }; firstRejected: { row: number; cause: string }[] };
  assert.deepEqual([result.totals.ingested, result.totals.accepted, result.totals.rejected], [4, 2, 2]);
  assert.equal(result.totals.causes.dimension, 1);
  assert.equal(result.totals.causes.unreadable, 1);
  assert.deepEqual(
    result.firstRejected.map((row) => [row.row, row.cause]),
    [
      [1, 'dimension'],
      [2, 'unreadable'],
    ],
  );
  const quarantined = readFileSync(quarantine, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { row: number; cause: string; vector: unknown });
  assert.deepEqual(
    quarantined.map((row) => [row.row, row.cause, row.vector]),
    [
      [1, 'dimension', null],
      [2, 'unreadable', null],
    ],
  );

  const plan = cli('rebuild', input, '--dim', '3', '--metric', 'cosine', '--index', 'flat', '--out', join(dir, 'rebuilt.npy'));
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /reject bad rows: 1 dimension, 1 unreadable → 2 rows/);

  // Into store tables (plans: nothing written) the same rows are counted the same way.
  const db = new Database(join(dir, 'app.db'));
  db.exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, embedding F32_BLOB(3))');
  db.close();
  for (const out of [`sqlite://${join(dir, 'app.db')}?table=docs`, `duckdb://${join(dir, 'app.duckdb')}?table=docs`]) {
    const stored = cli('guard', input, '--dim', '3', '--metric', 'cosine', '--out', out, '--format', 'json');
    assert.equal(stored.code, 1, stored.stderr);
    const totals = (JSON.parse(stored.stdout) as { totals: { ingested: number; accepted: number; causes: Record<string, number> } }).totals;
    assert.deepEqual([totals.ingested, totals.accepted, totals.causes.dimension, totals.causes.unreadable], [4, 2, 1, 1], out);
  }
});
