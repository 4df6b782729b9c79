import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { writeNpy } from '../helpers/npy.js';
import { assertReportSchema } from '../helpers/report-schema.js';
import { head, wordnet } from '../helpers/wordnet.js';
import { rowsOf, writeDuckdbFile } from './duckdb-fixtures.js';
import { problems, runCli, snapshot } from './helpers.js';

const SHARD_ROWS = 500;
const DIM = 128;
const OPTIONS = { metric: 'cosine', dim: DIM, sample: 500 } as const;
const UNIT = 'list_transform(embedding, lambda x: x / sqrt(list_sum(list_transform(embedding, lambda y: CAST(y AS DOUBLE) * y))))';

/** Shard i holds rows i·500 … of model A; `raw` shards are written without normalization. */
function shardSql(dir: string, name: string, shard: number, raw: boolean, type = `FLOAT[${DIM}]`): string {
  const vector = raw ? 'embedding' : UNIT;
  return `COPY (SELECT id, CAST(${vector} AS ${type}) AS embedding FROM source WHERE id > ${shard * SHARD_ROWS} AND id <= ${(shard + 1) * SHARD_ROWS} ORDER BY id) TO '${join(dir, name)}' (FORMAT parquet, ROW_GROUP_SIZE 200)`;
}

describe('Parquet files and lakes read by DuckDB (--engine duckdb)', { timeout: 300_000 }, () => {
  let dir: string;
  let clean: string;
  let mixed: string;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-duckdb-lake-'));
    clean = join(dir, 'clean');
    mixed = join(dir, 'mixed');
    mkdirSync(clean);
    mkdirSync(mixed);
    const docs = head(wordnet(), 4 * SHARD_ROWS);
    await writeDuckdbFile(join(dir, 'build.duckdb'), rowsOf(docs.data, DIM), [
      shardSql(clean, 'part-1.parquet', 0, false),
      shardSql(clean, 'part-2.parquet', 1, false),
      // A list column (what FLOAT[n] becomes after many writers' round trips) in the same lake.
      shardSql(clean, 'part-10.parquet', 2, false, 'FLOAT[]'),
      shardSql(mixed, 'part-1.parquet', 0, false),
      shardSql(mixed, 'part-2.parquet', 1, false),
      shardSql(mixed, 'part-3.parquet', 2, true),
      shardSql(mixed, 'part-4.parquet', 3, false),
    ]);
  });

  const both = async (target: string): Promise<[Report, Report]> => [await check(target, OPTIONS), await check(target, { ...OPTIONS, engine: 'duckdb' })];

  test('a clean lake: no warning with either reader, the same rows in the same natural file order, files untouched', async () => {
    const before = snapshot(clean);
    const [inProcess, duckdb] = await both(join(clean, '*.parquet'));
    assert.deepEqual(snapshot(clean), before);
    assert.deepEqual(problems(duckdb), {});
    assert.deepEqual(problems(inProcess), {});
    assert.equal(duckdb.stats.rows, 3 * SHARD_ROWS);
    assert.equal(duckdb.kind, 'parquet');
    assert.match(duckdb.notes.join('\n'), /read by DuckDB .*--engine duckdb/);
    assert.deepEqual(duckdb.stats.validRows, inProcess.stats.validRows);
    assertReportSchema(duckdb, 'lake --engine duckdb');
    assert.match(duckdb.invocation?.command ?? '', /--engine duckdb/);
  });

  test('one shard written without normalization: the same per-file finding, naming the same file', async () => {
    const [inProcess, duckdb] = await both(mixed);
    assert.deepEqual(problems(duckdb), problems(inProcess));
    const shard = (report: Report) => report.findings.find((f) => f.code === 'mixed-norm-shards');
    assert.ok(shard(inProcess), JSON.stringify(problems(inProcess)));
    assert.deepEqual(shard(duckdb)?.evidence, shard(inProcess)?.evidence);
    assert.match(JSON.stringify(shard(duckdb)?.evidence), /part-3\.parquet/);
  });

  test('a single Parquet file reads the same as the in-process reader', async () => {
    const [inProcess, duckdb] = await both(join(mixed, 'part-3.parquet'));
    assert.deepEqual(problems(duckdb), problems(inProcess));
    assert.equal(duckdb.stats.rows, SHARD_ROWS);
  });

  test('a truncated shard is exit 2 naming the file, with either reader', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    const good = readFileSync(join(clean, 'part-1.parquet'));
    writeFileSync(join(broken, 'part-1.parquet'), good);
    writeFileSync(join(broken, 'part-2.parquet'), good.subarray(0, good.length - 100));
    for (const options of [OPTIONS, { ...OPTIONS, engine: 'duckdb' as const }]) {
      await assert.rejects(check(broken, options), (error: Error & { exitCode?: number; where?: string }) => {
        assert.equal(error.exitCode, 2, error.message);
        assert.match(`${error.where} ${error.message}`, /part-2\.parquet/);
        return true;
      });
    }
  });

  test('--engine is validated: exit 2 for an unknown engine, a non-Parquet file or a store URL', async () => {
    const npy = join(dir, 'vectors.npy');
    writeNpy(npy, new Float32Array(4 * DIM).fill(0.1), 4, DIM);
    await assert.rejects(check(npy, { engine: 'duckdb' }), (error: Error & { exitCode?: number }) => error.exitCode === 2 && /reads Parquet files; .*vectors\.npy is npy/.test(error.message));
    await assert.rejects(check(`duckdb://${join(dir, 'build.duckdb')}`, { engine: 'duckdb' }), /applies to Parquet files, not to a store URL/);
    // A config file may set it too (per target or for all).
    const config = join(dir, 'vectorclinic.config.json');
    writeFileSync(config, JSON.stringify({ engine: 'duckdb', metric: 'cosine' }));
    const configured = await runCli(['check', join(clean, '*.parquet'), '--config', config, '--json', '--sample', '500']);
    assert.equal(configured.code, 0, configured.stderr);
    assert.match((JSON.parse(configured.stdout) as Report).notes.join('\n'), /read by DuckDB/);
    const unknown = await runCli(['check', npy, '--engine', 'spark']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--engine.*spark|spark.*--engine/);
  });
});
