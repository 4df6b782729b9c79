import Database from 'libsql';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLoadablePath } from 'sqlite-vec';
import { check } from '../../src/api/check.js';
import { buildSqliteStore, type SqliteLayout, type SqliteStoreSpec } from '../../src/engines/sqlite/build-store.js';
import type { LibsqlDatabase } from '../../src/engines/sqlite/session.js';
import { openSqliteFile } from '../../src/engines/sqlite/session.js';
import { readSqliteCatalog } from '../../src/engines/sqlite/catalog.js';
import { exactSearchByScan } from '../../src/sources/stores/sqlite/exact-scan.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { openSource } from '../../src/sources/open-source.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { smoke } from '../../src/smoke/index.js';
import { loadRows } from '../rebuild/shared-data.js';
import { DOCS, loadDocs, problems, snapshot } from './helpers.js';

const ROWS = 2000;
const DIM = 128;
const OPTIONS = { metric: 'cosine', sample: 1000 } as const;

/** Copy rows so a broken variant never changes the shared clean vectors. */
function copyRows(rows: VectorRows): VectorRows {
  return { data: rows.data.slice(), count: rows.count, dim: rows.dim };
}

function zeroRows(rows: VectorRows, which: readonly number[]): VectorRows {
  const copy = copyRows(rows);
  for (const row of which) copy.data.fill(0, row * DIM, (row + 1) * DIM);
  return copy;
}

describe('SQLite files checked in place (sqlite://)', { timeout: 600_000 }, () => {
  let dir: string;
  let file: string;
  let unit: VectorRows;
  let raw: VectorRows;
  const url = (table: string, path = file): string => `sqlite://${path}?table=${table}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-sqlite-'));
    file = join(dir, 'app.db');
    unit = await loadDocs(ROWS, true);
    raw = await loadDocs(ROWS, false);
    const db = new Database(file) as unknown as LibsqlDatabase;
    db.loadExtension(getLoadablePath());
    const build = (table: string, vectors: VectorRows, layout: SqliteLayout, extra: Partial<SqliteStoreSpec> = {}): void => buildSqliteStore(db, { table, vectors, layout, ...extra });
    build('vec_clean', unit, { kind: 'vec0', metric: 'cosine' });
    // A cosine model stored raw in a vec0 table whose KNN ranks by L2.
    build('vec_raw_l2', raw, { kind: 'vec0' });
    // sqlite-vec accepts zero and NaN vectors in a cosine table: KNN returns them with distance NULL.
    const broken = zeroRows(unit, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    for (const row of [40, 41, 42, 43, 44]) broken.data[row * DIM + 3] = Number.NaN;
    build('vec_zero_nan', broken, { kind: 'vec0', metric: 'cosine' });
    // libsql F32_BLOB with a DiskANN index built on the empty table (a graph: that is fine).
    build('f32_before', unit, { kind: 'f32-blob', index: { metric: 'cosine', buildBeforeData: true } });
    build('blob_clean', unit, { kind: 'blob' });
    // Untyped BLOBs: 3% of rows written by a 96-d model.
    const ragged = new Map<number, unknown>();
    for (let row = 1000; row < 1060; row++) ragged.set(row, Buffer.from(unit.data.buffer, unit.data.byteOffset + row * DIM * 4, 96 * 4));
    build('blob_ragged', unit, { kind: 'blob' }, { replace: ragged });
    // Half the rows normalized, half raw: a second writer that skipped normalization.
    const mixed = copyRows(unit);
    mixed.data.set(raw.data.subarray((ROWS / 2) * DIM), (ROWS / 2) * DIM);
    build('blob_mixed', mixed, { kind: 'blob' });
    build(
      'blob_zeros',
      zeroRows(
        unit,
        Array.from({ length: 60 }, (_, i) => i * 30),
      ),
      { kind: 'blob' },
    );
    build('blob_nulls', unit, { kind: 'blob' }, { nullRows: [5, 6] });
    // 30 rows repeating earlier rows' vectors exactly.
    const dups = copyRows(unit);
    for (let row = 0; row < 30; row++) dups.data.copyWithin((1000 + row) * DIM, row * 7 * DIM, (row * 7 + 1) * DIM);
    build('blob_dups', dups, { kind: 'blob' });
    db.exec("CREATE TABLE f64 (id INTEGER PRIMARY KEY, e F64_BLOB(4)); INSERT INTO f64 VALUES (1, vector64('[1,2,3,4]'))");
    // A vec0 table keyed by text document ids (no rowid column to name).
    db.exec('CREATE VIRTUAL TABLE vec_textkey USING vec0(doc TEXT PRIMARY KEY, embedding float[128] distance_metric=cosine)');
    const insert = db.prepare('INSERT INTO vec_textkey(doc, embedding) VALUES (?1, ?2)');
    for (let row = 0; row < ROWS; row++) insert.run([`n:${String(row).padStart(8, '0')}`, Buffer.from(unit.data.buffer, unit.data.byteOffset + row * DIM * 4, DIM * 4)]);
    db.close();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('clean vec0, libsql and BLOB tables: no warning at all, and the file is unchanged (bytes and mtime)', async () => {
    const before = snapshot(dir);
    for (const table of ['vec_clean', 'f32_before', 'blob_clean']) {
      const report = await check(url(table), OPTIONS);
      assert.deepEqual(problems(report), {}, table);
      assert.equal(report.kind, 'sqlite');
      assert.equal(report.stats.rows, ROWS);
      assert.equal(report.stats.dim, DIM);
    }
    assert.deepEqual(snapshot(dir), before, 'no file written, created or touched');
  });

  test('vec0 KNN answers in the table ids with full recall on a clean table', async () => {
    const report = await check(url('vec_clean'), OPTIONS);
    assert.equal(report.stats.audit?.recallAt10, 1);
    assert.match(String(report.stats.audit?.exactMethod), /sqlite-vec KNN/);
  });

  test('the libsql index (built before the data) is audited against an exact scan; vec0 KNN is exact and says so', async () => {
    const report = await check(url('f32_before'), OPTIONS);
    assert.equal(report.stats.audit?.queries, 100);
    assert.ok((report.stats.audit?.recallAt10 ?? 0) >= 0.95);
    assert.match(String(report.stats.audit?.exactMethod), /vector_distance_cos/);
    const source = await openSource(url('vec_clean'));
    try {
      const description = await source.describe();
      assert.equal(description.index?.engine, 'sqlite-vec');
      assert.equal(description.index?.metric, 'cosine');
      assert.ok(description.notes?.some((note) => /exact brute-force/.test(note)));
    } finally {
      await source.close();
    }
  });

  test('the one-pass exact search (large tables) gives the answers of the per-query SQL scans', async () => {
    const session = await openSqliteFile(file, { shown: 'test' });
    const source = await openSource(url('f32_before'));
    try {
      const catalog = await readSqliteCatalog(session, { table: 'f32_before' }, 'test');
      const request = { queries: unit.data.slice(0, 20 * DIM), count: 20, k: 10, exact: true };
      const scanned = await exactSearchByScan(session, catalog, { metric: 'cosine', dim: DIM, totalRows: ROWS }, request);
      const perQuery = await source.search?.query(request);
      assert.deepEqual(
        scanned.ids.map((ids) => [...ids].sort()),
        perQuery?.ids.map((ids) => [...ids].sort()),
      );
    } finally {
      await source.close();
      await session.close();
    }
  });

  test('smoke on a vec0 table keyed by document ids answers in those ids, as exact search over the same vectors', async () => {
    const docIds = readFileSync(DOCS.replace('docs.f32.npy', 'docs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, ROWS)
      .map((line) => JSON.parse(line).id as string);
    const held = new Set(docIds);
    const lines = readFileSync(DOCS.replace('docs.f32.npy', 'queries.jsonl'), 'utf8').trim().split('\n');
    const picked = lines.map((line, i) => ({ line, i })).filter(({ line }) => (JSON.parse(line).expected as string[]).every((id) => held.has(id)));
    assert.ok(picked.length >= 50, `${picked.length} questions answerable from the first ${ROWS} documents`);
    const allQueries = await loadRows('queries.f32.npy', lines.length);
    const queries = new Float32Array(picked.length * DIM);
    picked.forEach(({ i }, row) => queries.set(allQueries.subarray(i * DIM, (i + 1) * DIM), row * DIM));
    const questions = join(dir, 'questions.jsonl');
    writeFileSync(questions, `${picked.map(({ line }) => line).join('\n')}\n`);
    writeNpy(join(dir, 'queries.npy'), queries, picked.length, DIM);
    writeFileSync(join(dir, 'ids.jsonl'), `${docIds.map((id) => JSON.stringify({ id })).join('\n')}\n`);
    const db = new Database(file) as unknown as LibsqlDatabase;
    db.loadExtension(getLoadablePath());
    db.exec(`CREATE VIRTUAL TABLE vec_docs USING vec0(doc TEXT PRIMARY KEY, embedding float[${DIM}] distance_metric=cosine)`);
    const insert = db.prepare('INSERT INTO vec_docs(doc, embedding) VALUES (?1, ?2)');
    docIds.forEach((id, row) => insert.run([id, Buffer.from(unit.data.buffer, unit.data.byteOffset + row * DIM * 4, DIM * 4)]));
    // Tables without a vector index are searched exactly, and answer in their keys too (not row numbers).
    db.exec(`CREATE TABLE blob_docs (doc TEXT PRIMARY KEY NOT NULL, embedding BLOB); CREATE TABLE f32_docs (doc TEXT PRIMARY KEY NOT NULL, embedding F32_BLOB(${DIM}))`);
    for (const table of ['blob_docs', 'f32_docs']) {
      const add = db.prepare(`INSERT INTO ${table}(doc, embedding) VALUES (?1, ?2)`);
      docIds.forEach((id, row) => add.run([id, Buffer.from(unit.data.buffer, unit.data.byteOffset + row * DIM * 4, DIM * 4)]));
    }
    db.close();
    const embedding = { kind: 'file', path: join(dir, 'queries.npy') } as const;
    const fromStore = await smoke(url('vec_docs'), { questions, embedding });
    const npy = join(dir, 'docs.npy');
    writeNpy(npy, unit.data, ROWS, DIM);
    const fromFile = await smoke(npy, { questions, embedding, ids: join(dir, 'ids.jsonl'), metric: 'cosine' });
    assert.deepEqual(fromStore.recall, fromFile.recall);
    assert.ok(fromStore.recall.at10 > 0.2);
    for (const table of ['blob_docs', 'f32_docs']) {
      const flat = await smoke(url(table), { questions, embedding, metric: 'cosine' });
      assert.deepEqual(flat.recall, fromFile.recall, table);
    }
  });

  test('raw vectors of a cosine model in an L2 vec0 table: metric-mismatch fails', async () => {
    const report = await check(url('vec_raw_l2'), OPTIONS);
    assert.equal(problems(report)['metric-mismatch'], 'fail');
    assert.equal(report.findings.find((f) => f.code === 'metric-mismatch')?.evidence.indexMetric, 'l2');
  });

  test('zero and NaN vectors accepted by a cosine vec0 table are counted exactly by the engine', async () => {
    const report = await check(url('vec_zero_nan'), OPTIONS);
    const found = problems(report);
    assert.ok(found['zero-vectors'], JSON.stringify(found));
    assert.ok(found['nonfinite-values'], JSON.stringify(found));
    const zero = report.findings.find((f) => f.code === 'zero-vectors');
    assert.equal(zero?.evidence.count, 10);
    assert.deepEqual((zero!.evidence.firstIds as string[]).slice(0, 3), ['11', '12', '13']);
    // vec0 returns NULL-distance rows only once k exceeds the rows it can rank: top-10 answers are unharmed.
    assert.equal(report.stats.audit?.recallAt10, 1);
    const nonfinite = report.findings.find((f) => f.code === 'nonfinite-values')?.evidence;
    assert.equal(nonfinite?.rows, 5);
    assert.equal(nonfinite?.scope, 'store');
  });

  test('NULL vectors are counted by the engine: the rows no search can return', async () => {
    const report = await check(url('blob_nulls'), OPTIONS);
    assert.deepEqual(problems(report), { 'empty-index': 'warn' });
    assert.equal(report.findings.find((f) => f.code === 'empty-index')?.evidence.nullRows, 2);
    assert.equal(report.stats.rows, ROWS - 2);
  });

  test('exact duplicate vectors are counted by the engine, and a vec0 table keyed by text ids is sampled through its key', async () => {
    const source = await openSource(url('blob_dups'));
    try {
      assert.equal((await source.pushdownStats?.())?.duplicateVectorRows, 30);
    } finally {
      await source.close();
    }
    const report = await check(url('vec_textkey'), OPTIONS);
    assert.deepEqual(problems(report), {});
    assert.equal(report.stats.sampled, 1000);
  });

  test('ragged blobs in an untyped column are row issues: dimension-mismatch', async () => {
    const report = await check(url('blob_ragged'), OPTIONS);
    assert.ok(problems(report)['dimension-mismatch'], JSON.stringify(problems(report)));
    assert.equal(report.stats.dim, DIM);
  });

  test('the same findings as the file reader on the same vectors (exported to .npy)', async () => {
    for (const table of ['blob_clean', 'blob_mixed', 'blob_zeros']) {
      const source = await openSource(url(table));
      let npy: string;
      try {
        const rows: Float32Array[] = [];
        for await (const block of source.scan()) rows.push(block.data.slice());
        const data = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
        let at = 0;
        for (const r of rows) {
          data.set(r, at);
          at += r.length;
        }
        npy = join(dir, `${table}.npy`);
        writeNpy(npy, data, data.length / DIM, DIM);
      } finally {
        await source.close();
      }
      const fromStore = problems(await check(url(table), OPTIONS));
      const fromFile = problems(await check(npy, OPTIONS));
      assert.deepEqual(fromStore, fromFile, table);
      if (table !== 'blob_clean') assert.notDeepEqual(fromStore, {}, `${table} is broken`);
    }
  });

  test('read-only is enforced by SQLite: a write through the checker connection fails', async () => {
    const session = await openSqliteFile(file, { shown: 'test' });
    try {
      await assert.rejects(session.query('DELETE FROM blob_clean'), /readonly|read-only|query_only/i);
    } finally {
      await session.close();
    }
    const db = new Database(file, { readonly: true }) as unknown as LibsqlDatabase;
    assert.equal((db.prepare('SELECT count(*) AS n FROM blob_clean').all([]) as { n: number }[])[0]?.n, ROWS);
    db.close();
  });

  test('discovery and errors: several vector tables, a missing file, a missing table, an unknown parameter', async () => {
    await assert.rejects(check(`sqlite://${file}`), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /vector columns match/);
      assert.match(error.hint ?? '', /table=T&column=C/);
      return true;
    });
    await assert.rejects(check(`sqlite://${join(dir, 'missing.db')}`), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /no such SQLite file/);
      return true;
    });
    await assert.rejects(check(url('nope')), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.hint ?? '', /vec_clean\.embedding/);
      return true;
    });
    await assert.rejects(check(`${url('vec_clean')}&colum=x`), /unknown URL parameter 'colum'/);
    await assert.rejects(check(`${url('f64')}&column=e`), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /F64_BLOB\(4\): vectorclinic reads float32 vectors/);
      return true;
    });
  });
});
