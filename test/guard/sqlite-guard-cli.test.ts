import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { buildSqliteStore } from '../../src/engines/sqlite/build-store.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { openWritable } from '../rebuild/sqlite-store.js';
import { loadDocs, problems, runCli, snapshot } from '../stores/helpers.js';

const STORED = 100;
const INPUT = 300;

function rowCount(file: string, table: string): number {
  const db = openWritable(file);
  try {
    return Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).all([]) as { n: number }[])[0]?.n);
  } finally {
    db.close();
  }
}

describe('guard <file> --out sqlite://…: bad rows never reach the table', { timeout: 300_000 }, () => {
  let dir: string;
  let file: string;
  let npy: string;
  let ids: string;
  const url = (table: string): string => `sqlite://${file}?table=${table}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-sqlite-guard-cli-'));
    file = join(dir, 'app.db');
    const unit = await loadDocs(STORED, true);
    const db = openWritable(file);
    buildSqliteStore(db, { table: 'docs', vectors: unit, layout: { kind: 'vec0', metric: 'cosine' } });
    buildSqliteStore(db, { table: 'plain', vectors: unit, layout: { kind: 'f32-blob' } });
    // A trigger that refuses one row: the insert fails midway and must leave nothing behind.
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON plain WHEN NEW.id = 250 BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END");
    db.close();
    // Raw model output for rows 101..400: one zero row, one NaN row, one id already stored.
    const raw = await loadDocs(STORED + INPUT, false);
    const input = raw.data.slice(STORED * raw.dim);
    input.fill(0, 7 * raw.dim, 8 * raw.dim);
    input[9 * raw.dim] = Number.NaN;
    npy = join(dir, 'in.npy');
    writeNpy(npy, input, INPUT, raw.dim);
    ids = join(dir, 'ids.jsonl');
    writeFileSync(ids, Array.from({ length: INPUT }, (_, i) => JSON.stringify({ id: i === 20 ? 5 : STORED + 1 + i })).join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('without --apply: the counts an insert would have, exit 1, and the file is byte-identical', async () => {
    const untouched = snapshot(dir);
    const run = await runCli(['guard', npy, '--out', url('docs'), '--dim', '128', '--metric', 'cosine', '--ids', ids, '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.mode, 'plan');
    assert.equal(result.inserted, 0);
    assert.deepEqual(result.totals.causes, { dimension: 0, nonfinite: 1, zero: 1, duplicate: 0, 'existing-id': 1, unreadable: 0 });
    assert.deepEqual(snapshot(dir), untouched);
  });

  test('--apply inserts the accepted rows, normalized, in one transaction; the table then checks clean', async () => {
    const quarantine = join(dir, 'bad.jsonl');
    const run = await runCli(['guard', npy, '--out', url('docs'), '--dim', '128', '--metric', 'cosine', '--ids', ids, '--quarantine', quarantine, '--apply']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /inserted 297 rows into docs\.embedding in one transaction; rejected rows in/);
    assert.match(run.stdout, /key 5: existing-id/);
    assert.equal(rowCount(file, 'docs'), STORED + INPUT - 3);
    const report = await check(url('docs'), { metric: 'cosine', sample: 1000 });
    assert.deepEqual(problems(report), {});
    assert.equal(report.stats.unitRows, report.stats.validRows);
  });

  test('without --ids an integer-keyed table numbers new rows after its largest key', async () => {
    const clean = join(dir, 'clean.npy');
    const rows = await loadDocs(50, false);
    writeNpy(clean, rows.data, rows.count, rows.dim);
    const run = await runCli(['guard', clean, '--out', url('docs'), '--dim', '128', '--metric', 'cosine', '--apply', '--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(JSON.parse(run.stdout).keys, /after the largest stored one \(400\)/);
    assert.equal(rowCount(file, 'docs'), STORED + INPUT - 3 + 50);
  });

  test('a failure midway (a trigger refuses a row) inserts nothing: exit 2, the table as it was', async () => {
    const run = await runCli(['guard', npy, '--out', url('plain'), '--dim', '128', '--metric', 'cosine', '--ids', ids, '--apply']);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /refused by trigger/);
    assert.equal(rowCount(file, 'plain'), STORED);
  });

  test('a metric or dimension the table contradicts is refused before anything is read (exit 2)', async () => {
    const metric = await runCli(['guard', npy, '--out', url('docs'), '--dim', '128', '--metric', 'l2', '--apply']);
    assert.equal(metric.code, 2);
    assert.match(metric.stderr, /metric l2 disagrees with the table's cosine/);
    const dim = await runCli(['guard', npy, '--out', url('docs'), '--dim', '96', '--metric', 'cosine', '--apply']);
    assert.equal(dim.code, 2);
    assert.match(dim.stderr, /dim 96 disagrees with the column's declared 128/);
  });
});
