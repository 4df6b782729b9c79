import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { loadDocs, runCli, snapshot } from '../stores/helpers.js';

const DIM = 128;

async function query(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('guard --out duckdb://', { timeout: 300_000 }, () => {
  let dir: string;
  let input: string;
  let ids: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-duckdb-guard-'));
    const rows = await loadDocs(300, false);
    rows.data.fill(0, 3 * DIM, 4 * DIM);
    rows.data.fill(Number.NaN, 7 * DIM + 5, 7 * DIM + 6);
    input = join(dir, 'in.npy');
    writeNpy(input, rows.data, rows.count, DIM);
    ids = join(dir, 'ids.jsonl');
    writeFileSync(ids, `${Array.from({ length: rows.count }, (_, r) => JSON.stringify({ id: `doc-${r}` })).join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a new table gets the accepted rows (unit FLOAT[128], document ids) and a manifest check reads; a second run refuses every stored id and changes nothing', async () => {
    const file = join(dir, 'app.duckdb');
    const out = `duckdb://${file}?table=docs`;
    // Without --apply: the same counts, and nothing is created.
    const plan = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'cosine', '--ids', ids, '--out', out]);
    assert.equal(plan.code, 1, plan.stderr);
    assert.match(plan.stdout, /would append 298 rows .*\(0 → 298 rows, table created\); plan only/);
    assert.equal(existsSync(file), false);
    const first = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'cosine', '--ids', ids, '--out', out, '--format', 'json', '--apply']);
    assert.equal(first.code, 1, first.stderr);
    const result = JSON.parse(first.stdout) as { totals: { accepted: number; causes: Record<string, number> }; store: { rowsBefore: number; rowsAfter: number; created: boolean } };
    assert.equal(result.totals.accepted, 298);
    assert.equal(result.totals.causes.zero, 1);
    assert.equal(result.totals.causes.nonfinite, 1);
    assert.deepEqual(result.store, { rowsBefore: 0, rowsAfter: 298, created: true });
    const [facts] = await query(
      file,
      "SELECT count(*) AS n, any_value(typeof(embedding)) AS t, max(abs(sqrt(list_dot_product(embedding, embedding)) - 1)) < 1e-5 AS unit, count(*) FILTER (WHERE id = 'doc-3') AS zero FROM docs",
    );
    assert.deepEqual(facts, { n: '298', t: 'FLOAT[128]', unit: true, zero: '0' });
    const report = await check(out, { sample: 300 });
    assert.equal(report.verdict, 'pass', JSON.stringify(report.findings.filter((f) => f.severity !== 'info')));
    assert.equal(report.policy.declared.metric, 'cosine');

    const unchanged = snapshot(dir);
    const again = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'cosine', '--ids', ids, '--out', out, '--apply']);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stdout, /accepted 0 \+ rejected 300 \(.*existing-id 298\)/);
    assert.match(again.stdout, /298 → 298 rows/);
    // The manifest the first run wrote is the table's policy: another metric is refused.
    const otherMetric = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'l2', '--ids', ids, '--out', out]);
    assert.equal(otherMetric.code, 2, otherMetric.stdout);
    assert.match(otherMetric.stderr, /--metric l2 --dim 128 disagree with the table's manifest \(metric cosine, dim 128\)/);
    const [count] = await query(file, 'SELECT count(*) AS n FROM docs');
    assert.equal(count?.n, '298');
    assert.equal(unchanged.length, snapshot(dir).length);
  });

  test("an existing table: rows appended beside the application's columns; a disagreeing dim or metric, or no id column, is exit 2 and writes nothing", async () => {
    const file = join(dir, 'existing.duckdb');
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run(
      `CREATE TABLE items (id BIGINT PRIMARY KEY, body VARCHAR DEFAULT 'pending', embedding FLOAT[${DIM}]); INSERT INTO items (id, body) VALUES (0, 'kept'); CREATE TABLE bare (embedding FLOAT[${DIM}])`,
    );
    connection.closeSync();
    instance.closeSync();
    const out = `duckdb://${file}?table=items`;
    const untouched = snapshot(dir);
    const plan = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'cosine', '--out', out]);
    assert.equal(plan.code, 1, plan.stderr);
    assert.match(plan.stdout, /would append 297 rows .* \(1 → 298 rows\); plan only/);
    assert.deepEqual(snapshot(dir), untouched, 'a plan leaves the database file byte for byte as it was');
    const run = await runCli(['guard', input, '--dim', String(DIM), '--metric', 'cosine', '--out', out, '--apply']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /appended 297 rows .* \(1 → 298 rows\)/);
    const rows = await query(file, "SELECT count(*) AS n, count(*) FILTER (WHERE body = 'pending') AS pending, any_value(body) FILTER (WHERE id = 0) AS first FROM items");
    assert.deepEqual(rows[0], { n: '298', pending: '297', first: 'kept' });

    const before = snapshot(dir);
    for (const [args, pattern] of [
      [['--dim', '64', '--metric', 'cosine', '--out', out], /input|64/],
      [['--dim', String(DIM), '--metric', 'cosine', '--out', `duckdb://${file}?table=bare`], /has no id column/],
    ] as const) {
      const refused = await runCli(['guard', input, ...args]);
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(refused.stderr, pattern);
    }
    assert.deepEqual(snapshot(dir), before);
  });
});
