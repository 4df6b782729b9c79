import type { Metric } from '../../../core/policy.js';
import { InputError, StoreError, UsageError } from '../../../errors.js';
import { readSqliteCatalog, type SqliteCatalog, type SqliteVectorKind } from '../../../engines/sqlite/catalog.js';
import { CREATE_MANIFEST_TABLE, manifestPlace, WRITE_MANIFEST } from '../../../engines/sqlite/manifest-table.js';
import { keySql } from '../../../engines/sqlite/search-sql.js';
import type { SqliteSession } from '../../../engines/sqlite/session.js';
import { vectorBlob } from '../../../engines/sqlite/vector-sql.js';
import { doubleQuote } from '../../../engines/sql/dialect.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { documentIdsFor } from '../../../manifest/document-ids.js';
import { readManifest } from '../../../manifest/manifest.js';
import { encodeStoreManifest } from '../../../manifest/store-manifest.js';
import type { SourceDescription, VectorSource } from '../../../sources/source.js';
import { loadThroughGuard } from '../../load.js';
import { indexParamsFor, type IndexParams } from '../../params.js';
import { cleanAndTransform } from '../../prepare.js';
import { reachStep } from '../../steps.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from '../../types.js';
import { inPlaceBuild, storeRebuildManifest } from '../store-rebuild-manifest.js';
import { guardKeyedRows } from '../pgvector/keyed-guard.js';
import { DEFAULT_SQLITE_COLUMN, type SqliteLayoutName, type SqliteOut } from './out-url.js';
import { readSqliteKeyedRows } from './read-table.js';
import { assertLayoutFits, createLibsqlIndexStatement, libsqlIndexesOn, libsqlIndexOptions, redeclareVec0 } from './write-table.js';
import { writeSummary } from '../write-summary.js';

type Applied = NonNullable<RebuildResult['applied']>;

export interface SqliteRebuildJob {
  readonly source: VectorSource;
  readonly description: SourceDescription;
  readonly plan: RebuildPlan;
  readonly options: RebuildOptions;
  readonly out: SqliteOut;
  readonly inPlace: boolean;
}

/** The layout a new table gets when the URL names none: libsql's own vector column, which every libsql client reads. */
export const DEFAULT_LAYOUT: SqliteLayoutName = 'f32_blob';

export const KIND_OF: Readonly<Record<SqliteLayoutName, SqliteVectorKind>> = { vec0: 'vec0', f32_blob: 'f32-blob', blob: 'blob' };

/**
 * Rebuild a SQLite vector table in ONE write transaction (BEGIN IMMEDIATE: other writers wait,
 * readers see the old table until COMMIT): read → guard → clean → normalize → rewrite the rows →
 * build the engine's index → verify → record the manifest in the file → COMMIT. SQLite's journal
 * undoes all of it if the process dies before COMMIT: the file holds the old table or the new one.
 *
 * In place (the source is this table): rejected and folded rows are deleted and changed vectors
 * rewritten, every other column, trigger and index kept; a vec0 table whose distance_metric differs
 * from the policy is declared again under its own name. Otherwise a new table is created (an
 * existing one is refused).
 */
export async function applySqliteRebuild(job: SqliteRebuildJob): Promise<Applied> {
  const startedAt = performance.now();
  const { out, inPlace } = job;
  // In place, the rows are read again inside the write transaction: release the reading connection first.
  if (inPlace) await job.source.close();
  const session = await out.open(!inPlace);
  let inTransaction = false;
  try {
    session.run('BEGIN IMMEDIATE');
    inTransaction = true;
    const applied = inPlace ? await rebuildInPlace(session, job) : await rebuildIntoNewTable(session, job);
    await reachStep('commit-index', job.options.onStep);
    session.run('COMMIT');
    inTransaction = false;
    // The manifest committed with the rows and the index: there is nothing left to rename.
    await reachStep('commit-manifest', job.options.onStep);
    await reachStep('cleanup', job.options.onStep);
    return { ...applied, seconds: Math.round((performance.now() - startedAt) / 100) / 10 };
  } catch (error) {
    if (inTransaction) {
      try {
        session.run('ROLLBACK');
      } catch {
        // SQLite already rolled back (e.g. after SQLITE_FULL): nothing was committed either way.
      }
    }
    throw storeFailure(out.shown, 'rebuild the table', error);
  } finally {
    await session.close();
  }
}

async function rebuildInPlace(session: SqliteSession, { plan, options, out }: SqliteRebuildJob): Promise<Omit<Applied, 'seconds'>> {
  if (options.ids) throw new UsageError("--ids names documents of a file source; an in-place rebuild keeps the table's own keys", { where: '--ids', hint: 'drop --ids' });
  if (out.layout) throw new UsageError('an in-place rebuild keeps the table’s layout', { where: out.shown, hint: 'drop &layout=, or rebuild into a new table (another ?table=)' });
  await reachStep('load', options.onStep);
  const catalog = await readSqliteCatalog(session, { table: out.table, ...(out.column ? { column: out.column } : {}) }, out.shown);
  const { column } = catalog;
  assertLayoutFits(column.kind, options.index, options.metric, out.shown);
  const params = indexParamsFor(options, 0, 0);
  const dim = await columnDim(session, catalog, options, out);
  const rows = await readSqliteKeyedRows(session, catalog, dim);
  const loaded = guardKeyedRows(rows, { metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row would be rejected: nothing to index', { where: out.shown, hint: 'the embedding step is broken; see the guard counts in the plan' });

  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);

  await reachStep('build', options.onStep);
  for (const name of await libsqlIndexesOn(session, column.table, column.column)) session.run(`DROP INDEX ${doubleQuote(name)}`);
  if (column.kind === 'vec0' && column.vec0Metric !== options.metric) await redeclareVec0(session, catalog, options.metric);
  const key = keySql(catalog);
  const positions = Array.from(cleaned.cleaning.keep, (position) => loaded.sourceRows[position] as number);
  session.run('CREATE TEMP TABLE vectorclinic_keep (k PRIMARY KEY)');
  const keep = session.db.prepare('INSERT INTO temp.vectorclinic_keep (k) VALUES (?1)');
  for (const row of positions) keep.run([rows.bound[row]]);
  const before = Number((await session.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${catalog.relation} WHERE ${catalog.columnSql} IS NOT NULL`))[0]?.n ?? 0);
  session.run(`DELETE FROM ${catalog.relation} WHERE ${catalog.columnSql} IS NOT NULL AND ${key} NOT IN (SELECT k FROM temp.vectorclinic_keep)`);
  session.run('DROP TABLE temp.vectorclinic_keep');
  const update = session.db.prepare(`UPDATE ${catalog.relation} SET ${catalog.columnSql} = ?1 WHERE ${key} = ?2`);
  let rewritten = 0;
  positions.forEach((row, i) => {
    const next = cleaned.data.subarray(i * dim, (i + 1) * dim);
    if (sameFloats(next, rows.data.subarray(row * dim, (row + 1) * dim))) return;
    update.run([vectorBlob(next), rows.bound[row]]);
    rewritten++;
  });
  const built = buildIndex(session, { table: column.table, column: column.column, kind: column.kind, params, metric: options.metric, asked: options.hnsw });

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, { relation: catalog.relation, columnSql: catalog.columnSql, dim, expected: cleaned.count, shown: out.shown });
  await verifyIndex(session, built.name, out.shown);

  await reachStep('sidecars', options.onStep);
  const { rejected, build } = inPlaceBuild({ source: plan.source.target, rows, loaded });
  const manifest = storeRebuildManifest({
    dim,
    options,
    plan,
    loaded,
    cleaned,
    reference,
    index: { engine: built.engine, type: params.type, ...(built.name ? { name: built.name } : {}), params: built.params },
    build: { ...build, rowsDeleted: before - cleaned.count, vectorsRewritten: rewritten },
  });
  writeManifest(session, column.table, column.column, encodeStoreManifest(manifest));
  return writeSummary({ accepted: loaded.count, rejected, cleaned, ntotal, manifest: manifestPlace(column.table, column.column), ids: `the table's key ${column.keyColumn ?? 'rowid'}` });
}

async function rebuildIntoNewTable(session: SqliteSession, { source, description, plan, options, out }: SqliteRebuildJob): Promise<Omit<Applied, 'seconds'>> {
  const exists = await session.query<{ n: unknown }>("SELECT 1 AS n FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')", [out.table]);
  if (exists.length) {
    throw new StoreError(`table ${out.table} already exists`, {
      where: out.shown,
      hint: 'write a new table and point the application at it, or rebuild this table in place by giving the same URL as the source',
    });
  }
  const layout = out.layout ?? DEFAULT_LAYOUT;
  const kind = KIND_OF[layout];
  assertLayoutFits(kind, options.index, options.metric, out.shown);
  const params = indexParamsFor(options, 0, 0);
  const column = out.column ?? DEFAULT_SQLITE_COLUMN;
  // vec0's declaration parser takes bare column names only.
  if (kind === 'vec0' && !/^[A-Za-z_]\w*$/.test(column)) throw new UsageError(`vec0 column names must be plain identifiers, not '${column}'`, { where: out.shown });
  const documentIds = documentIdsFor(readManifest(options.source), description.rows, options).ids?.map((entry) => entry[0] as string);
  await reachStep('load', options.onStep);
  const dim = options.dim ?? description.dim;
  const loaded = await loadThroughGuard(source, description, { dim, metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row was rejected: nothing to index', { where: description.target, hint: 'see the guard counts in the plan; the embedding step is broken' });

  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);
  const idOf = (position: number): string | bigint => {
    const row = loaded.sourceRows[position] as number;
    return documentIds ? (documentIds[row] as string) : BigInt(row);
  };

  await reachStep('build', options.onStep);
  const idType = documentIds ? 'TEXT' : 'INTEGER';
  const table = doubleQuote(out.table);
  const col = doubleQuote(column);
  // Folded near-duplicates stay findable: their ids are listed (JSON) on the row that represents them.
  const aliases = options.dedup ? (kind === 'vec0' ? ', +aliases text' : ', aliases TEXT NOT NULL') : '';
  if (kind === 'vec0') session.run(`CREATE VIRTUAL TABLE ${table} USING vec0(id ${idType.toLowerCase()} primary key, ${column} float[${dim}] distance_metric=${options.metric}${aliases})`);
  else session.run(`CREATE TABLE ${table} (id ${idType} PRIMARY KEY NOT NULL, ${col} ${kind === 'f32-blob' ? `F32_BLOB(${dim})` : 'BLOB'} NOT NULL${aliases})`);
  const insert = session.db.prepare(`INSERT INTO ${table} (id, ${col}${options.dedup ? ', aliases' : ''}) VALUES (?1, ?2${options.dedup ? ', ?3' : ''})`);
  cleaned.cleaning.keep.forEach((position, i) => {
    const values: unknown[] = [idOf(position), vectorBlob(cleaned.data.subarray(i * dim, (i + 1) * dim))];
    if (options.dedup) values.push(JSON.stringify((cleaned.cleaning.folded.get(position) ?? []).map((folded) => String(idOf(folded)))));
    insert.run(values);
  });
  const built = buildIndex(session, { table: out.table, column, kind, params, metric: options.metric, asked: options.hnsw });

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, { relation: table, columnSql: col, dim, expected: cleaned.count, shown: out.shown });
  await verifyIndex(session, built.name, out.shown);

  await reachStep('sidecars', options.onStep);
  const manifest = storeRebuildManifest({
    dim,
    options,
    plan,
    loaded,
    cleaned,
    reference,
    index: { engine: built.engine, type: params.type, ...(built.name ? { name: built.name } : {}), params: built.params },
    build: { source: description.target, inPlace: false, sourceRows: description.rows },
  });
  writeManifest(session, out.table, column, encodeStoreManifest(manifest));
  return writeSummary({
    accepted: loaded.count,
    rejected: loaded.totals.rejected,
    cleaned,
    ntotal,
    manifest: manifestPlace(out.table, column),
    ids: `column id of ${out.table}${options.dedup ? ' (folded duplicates in aliases)' : ''}`,
  });
}

interface IndexBuild {
  readonly table: string;
  readonly column: string;
  readonly kind: SqliteVectorKind;
  readonly params: IndexParams;
  readonly metric: Metric;
  /** The HNSW knobs the user gave (the others stay libsql's defaults). */
  readonly asked: RebuildOptions['hnsw'];
}

/** The engine's own index: libsql_vector_idx for hnsw on F32_BLOB; vec0 and flat tables need none (exact scans). */
function buildIndex(session: SqliteSession, build: IndexBuild): { engine: string; name?: string; params: Record<string, string | number | boolean> } {
  if (build.kind === 'vec0') return { engine: 'sqlite-vec', params: { distance_metric: build.metric, knn: 'exact brute force' } };
  if (build.params.type !== 'hnsw') return { engine: build.kind === 'f32-blob' ? 'libsql' : 'sqlite', params: {} };
  const options = libsqlIndexOptions(build.asked, build.metric);
  const name = `${build.table}_${build.column}_idx`;
  session.run(createLibsqlIndexStatement(build.table, build.column, name, options));
  return { engine: 'libsql', name, params: { ...options } };
}

interface RowCheck {
  readonly relation: string;
  readonly columnSql: string;
  readonly dim: number;
  readonly expected: number;
  readonly shown: string;
}

async function verifyRows(session: SqliteSession, check: RowCheck): Promise<number> {
  const [row] = await session.query<{ n: unknown; good: unknown }>(
    `SELECT count(*) AS n, sum(typeof(${check.columnSql}) = 'blob' AND length(${check.columnSql}) = ${check.dim * 4}) AS good FROM ${check.relation} WHERE ${check.columnSql} IS NOT NULL`,
  );
  const found = Number(row?.n ?? 0);
  const good = Number(row?.good ?? 0);
  if (found !== check.expected || good !== found) {
    throw new StoreError(`the rebuilt table holds ${found} vectors (${good} of ${check.dim} dimensions), ${check.expected} were accepted`, {
      where: check.shown,
      hint: 'nothing was committed; a trigger on the table may have changed the rows',
    });
  }
  return found;
}

async function verifyIndex(session: SqliteSession, name: string | undefined, shown: string): Promise<void> {
  if (!name) return;
  const found = await session.query<{ n: unknown }>("SELECT 1 AS n FROM sqlite_master WHERE type = 'index' AND name = ?1", [name]);
  if (!found.length) throw new StoreError(`index ${name} is missing after CREATE INDEX`, { where: shown, hint: 'nothing was committed' });
}

function writeManifest(session: SqliteSession, table: string, column: string, text: string): void {
  session.run(CREATE_MANIFEST_TABLE);
  session.run(WRITE_MANIFEST, [table, column, text]);
}

/** The dimension to hold rows to: declared by the column, else --dim, else the most common blob length. */
async function columnDim(session: SqliteSession, catalog: SqliteCatalog, options: RebuildOptions, out: SqliteOut): Promise<number> {
  const declared = catalog.column.declaredDim;
  if (declared > 0) {
    if (options.dim && options.dim !== declared) throw new UsageError(`--dim ${options.dim} disagrees with the column's declared ${declared}`, { where: '--dim', hint: 'drop --dim, or rebuild into a new table' });
    return declared;
  }
  if (options.dim) return options.dim;
  const [row] = await session.query<{ d: unknown }>(
    `SELECT length(${catalog.columnSql}) / 4 AS d, count(*) AS n FROM ${catalog.relation} WHERE typeof(${catalog.columnSql}) = 'blob' AND length(${catalog.columnSql}) % 4 = 0 AND length(${catalog.columnSql}) > 0 GROUP BY 1 ORDER BY n DESC, d LIMIT 1`,
  );
  const dim = Number(row?.d ?? 0);
  if (!dim) throw new InputError('the column holds no float32 vectors', { where: out.shown });
  return dim;
}

function sameFloats(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
