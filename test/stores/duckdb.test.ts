import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { openSource } from '../../src/sources/open-source.js';
import { writeNpy } from '../helpers/npy.js';
import { assertReportSchema } from '../helpers/report-schema.js';
import { head, wordnet } from '../helpers/wordnet.js';
import { readDuckdbVectors, rowsOf, writeDuckdbFile } from './duckdb-fixtures.js';
import { problems, runCli, snapshot } from './helpers.js';

const ROWS = 2000;
const DIM = 128;
const OPTIONS = { metric: 'cosine', dim: DIM, sample: 500 } as const;
/** L2-normalize in SQL (double precision, stored back as float32). */
const UNIT = 'list_transform(embedding, lambda x: x / sqrt(list_sum(list_transform(embedding, lambda y: CAST(y AS DOUBLE) * y))))';

/** Clean and broken tables derived from real model-A rows (raw norms 0.50–0.76). */
const TABLES = [
  `CREATE TABLE clean AS SELECT id, CAST(${UNIT} AS FLOAT[${DIM}]) AS embedding FROM source ORDER BY id`,
  `CREATE TABLE clean_double AS SELECT id, CAST(${UNIT} AS DOUBLE[]) AS embedding FROM source ORDER BY id`,
  // Zero vectors (a failed embedding call stored as zeros) and one NaN row.
  `CREATE TABLE broken AS SELECT id, CAST(CASE WHEN id IN (5, 77, 901) THEN list_transform(embedding, lambda x: 0.0) WHEN id = 12 THEN list_transform(embedding, lambda x: 'NaN'::FLOAT) ELSE ${UNIT} END AS FLOAT[${DIM}]) AS embedding FROM source ORDER BY id`,
  // The second half written without normalization: two regimes in one column.
  `CREATE TABLE mixed AS SELECT id, CAST(CASE WHEN id > ${ROWS / 2} THEN embedding ELSE ${UNIT} END AS FLOAT[${DIM}]) AS embedding FROM source ORDER BY id`,
  // A view has no rowid: rows are named by position.
  'CREATE VIEW clean_view AS SELECT embedding FROM clean',
  // The last 40 rows (2%) are exact copies of the first 40: an ingestion that ran twice.
  `CREATE TABLE dupes AS SELECT a.id, CAST(${UNIT.replaceAll('embedding', 'b.embedding')} AS FLOAT[${DIM}]) AS embedding FROM source a JOIN source b ON b.id = CASE WHEN a.id > ${ROWS - 40} THEN a.id - ${ROWS - 40} ELSE a.id END ORDER BY a.id`,
  // An untyped list column with a few truncated vectors and a NULL.
  `CREATE TABLE ragged AS SELECT id, CASE WHEN id IN (8, 400) THEN embedding[1:100] WHEN id = 9 THEN NULL ELSE CAST(${UNIT} AS FLOAT[]) END AS embedding FROM source ORDER BY id`,
];

describe('DuckDB tables checked in place (duckdb://)', { timeout: 300_000 }, () => {
  let dir: string;
  let file: string;
  after(() => rmSync(dir, { recursive: true, force: true }));
  const reports = new Map<string, Report>();
  const url = (table: string): string => `duckdb://${file}?table=${table}`;
  const report = async (table: string): Promise<Report> => {
    if (!reports.has(table)) reports.set(table, await check(url(table), OPTIONS));
    return reports.get(table) as Report;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-duckdb-'));
    file = join(dir, 'app.duckdb');
    const docs = head(wordnet(), ROWS);
    await writeDuckdbFile(file, rowsOf(docs.data, DIM), TABLES);
  });

  test('a clean FLOAT[128] table: no warning, and the file is byte-identical after the check', async () => {
    const before = snapshot(dir);
    const clean = await report('clean');
    assert.deepEqual(snapshot(dir), before, 'no file written, renamed or touched');
    assert.deepEqual(problems(clean), {});
    assert.equal(clean.kind, 'duckdb');
    assertReportSchema(clean, 'duckdb:// report');
    assert.equal(clean.stats.rows, ROWS);
    assert.match(clean.notes.join('\n'), /no vector index to audit/);
    const view = await report('clean_view');
    assert.deepEqual(problems(view), {});
    assert.equal(view.stats.rows, ROWS);
    assert.match(view.notes.join('\n'), /\(a view\), rows named by their position/);
  });

  test('a DOUBLE[] column of unit vectors is clean too, read as float64 storage', async () => {
    const double = await report('clean_double');
    assert.deepEqual(problems(double), {});
    assert.equal(double.stats.storage, 'float64');
    assert.match(double.notes.join('\n'), /DOUBLE\[\], a list of any length/);
  });

  test('zero and NaN rows are found, with their ids from the id column', async () => {
    const broken = await report('broken');
    assert.equal(problems(broken)['zero-vectors'] !== undefined, true, JSON.stringify(problems(broken)));
    assert.equal(problems(broken)['nonfinite-values'] !== undefined, true);
    assert.equal(broken.findings.find((f) => f.code === 'zero-vectors')?.evidence.count, 3);
    assert.equal(broken.findings.find((f) => f.code === 'nonfinite-values')?.evidence.rows, 1);
  });

  test('ragged rows in a FLOAT[] column are row issues: dimension-mismatch fails and names them by id', async () => {
    const ragged = await report('ragged');
    assert.equal(problems(ragged)['dimension-mismatch'], 'fail');
    const finding = ragged.findings.find((f) => f.code === 'dimension-mismatch');
    assert.equal(finding?.evidence.raggedRows, 3, 'two truncated rows and one NULL');
    assert.match(ragged.notes.join('\n'), /2 rows do not hold 128 values: 8 \(100\), 400 \(100\)/);
    assert.match(ragged.notes.join('\n'), /1 row has a NULL vector/);
  });

  test('the same findings as the .npy file reader on the same vectors', async () => {
    for (const table of ['clean', 'clean_double', 'broken', 'mixed', 'dupes']) {
      const npy = join(dir, `${table}.npy`);
      writeNpy(npy, await readDuckdbVectors(file, table, DIM), ROWS, DIM);
      const fromFile = await check(npy, OPTIONS);
      const fromStore = await report(table);
      assert.deepEqual(problems(fromStore), problems(fromFile), table);
      assert.equal(fromStore.stats.validRows, fromFile.stats.validRows, table);
    }
    assert.notDeepEqual(problems(await report('mixed')), {}, 'mixed normalization is a finding');
    assert.equal(problems(await report('dupes'))['duplicate-rows'], 'warn');
  });

  test('beyond the scan budget the counts come from one DuckDB aggregate (exact duplicates, zeros, NaN)', async () => {
    const sampled = await check(url('broken'), { ...OPTIONS, scanBudgetBytes: 0 });
    const zero = sampled.findings.find((f) => f.code === 'zero-vectors');
    assert.ok(zero, JSON.stringify(problems(sampled)));
    assert.equal(zero.evidence.count, 3, JSON.stringify(zero.evidence));
    assert.equal(zero.evidence.scope, 'store', 'counted by the engine over every row, not estimated from the sample');
    assert.deepEqual(zero.evidence.firstIds, ['5', '77', '901'], 'named by the id column');
    const copies = (await check(url('dupes'), { ...OPTIONS, scanBudgetBytes: 0 })).findings.find((f) => f.code === 'duplicate-rows');
    assert.equal(copies?.evidence.exactDuplicateRows, 40, 'an exact count over every row, not the copies a sample happens to hold');
    // A NaN row the sample did not draw is still counted by the store: never a wrong all-clear.
    const tiny = await check(url('broken'), { ...OPTIONS, sample: 10, scanBudgetBytes: 0 });
    const nonfinite = tiny.findings.find((f) => f.code === 'nonfinite-values');
    assert.equal(nonfinite?.severity, 'fail');
    assert.equal(nonfinite?.evidence.rows, 1);
    assert.equal(nonfinite?.evidence.scope, 'store');
  });

  test('a database another process holds open for writing: exit 2, saying it is locked', async () => {
    const held = join(dir, 'held.duckdb');
    const instance = await DuckDBInstance.create(held);
    const connection = await instance.connect();
    try {
      await connection.run('CREATE TABLE docs AS SELECT 1 AS id, [1.0, 2.0]::FLOAT[2] AS embedding');
      const run = await runCli(['check', `duckdb://${held}?table=docs`]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /locked by another process/);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  test('opened read-only: the engine itself refuses a write through the same settings', async () => {
    const { openDuckdbReadOnly } = await import('../../src/engines/duckdb/session.js');
    const session = await openDuckdbReadOnly(await import('@duckdb/node-api'), file);
    try {
      await assert.rejects(session.rows('INSERT INTO clean SELECT * FROM clean LIMIT 1'), /read-only/);
      await assert.rejects(session.rows(`COPY clean TO '${join(dir, 'out.parquet')}'`), /external access|read-only|disabled/i);
    } finally {
      await session.close();
    }
    assert.equal(existsSync(join(dir, 'out.parquet')), false);
  });

  test('table and column discovery, and clear exit-2 errors for a wrong table, column or file', async () => {
    await assert.rejects(check(`duckdb://${file}`), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /tables have vector columns: say which with \?table=/);
      assert.match(error.hint ?? '', /clean, clean_double, clean_view/);
      return true;
    });
    await assert.rejects(check(url('nope')), /no table or view 'nope'/);
    await assert.rejects(check(`${url('clean')}&column=id`), /column id is INTEGER, not a FLOAT\[n\]/);
    await assert.rejects(check(`${url('clean')}&colum=x`), /unknown URL parameter 'colum'/);
    const missing = join(dir, 'missing.duckdb');
    await assert.rejects(check(`duckdb://${missing}?table=clean`), (error: Error & { exitCode?: number }) => error.exitCode === 2 && /no DuckDB database file/.test(error.message));
    assert.equal(existsSync(missing), false, 'a typo never creates a database');
    const single = join(dir, 'single.duckdb');
    const instance = await DuckDBInstance.create(single);
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE docs AS SELECT id, CAST(embedding AS FLOAT[${DIM}]) AS embedding, 'x' AS text FROM (SELECT * FROM (VALUES (1, [${Array(DIM).fill(0.1).join(',')}])) t(id, embedding))`);
    connection.closeSync();
    instance.closeSync();
    const source = await openSource(`duckdb://${single}`);
    try {
      assert.equal((await source.describe()).rows, 1, 'the only table with a vector column is found without ?table=');
    } finally {
      await source.close();
    }
  });
});
