import type { Metric } from '../../../core/policy.js';
import { InputError, StoreError, UsageError } from '../../../errors.js';
import { inPlaceBuild, storeRebuildManifest } from '../store-rebuild-manifest.js';
import { encodeStoreManifest } from '../../../manifest/store-manifest.js';
import type { SourceDescription, VectorSource } from '../../../sources/source.js';
import { readCatalog, type PgvectorCatalog } from '../../../engines/pgvector/catalog.js';
import { describePostgresWriteError } from '../../../engines/pgvector/postgres-errors.js';
import { quoteIdent, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { loadThroughGuard, type LoadedRows } from '../../load.js';
import { indexParamsFor, type IndexParams } from '../../params.js';
import { cleanAndTransform } from '../../prepare.js';
import { reachStep } from '../../steps.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from '../../types.js';
import type { PgvectorOut } from './out-url.js';
import { guardKeyedRows } from './keyed-guard.js';
import { readKeyedRows } from './read-table.js';
import { applyStagedRows, commentOnColumn, createIndexStatement, insertRows, opclassFor, qualifiedRelation, sizeMaintenanceMemory, type VectorColumnType } from './write-table.js';
import { documentIdsFor } from '../../../manifest/document-ids.js';
import { readManifest } from '../../../manifest/manifest.js';
import { writeSummary } from '../write-summary.js';

type Applied = NonNullable<RebuildResult['applied']>;

export interface PgvectorRebuildJob {
  readonly source: VectorSource;
  readonly description: SourceDescription;
  readonly plan: RebuildPlan;
  readonly options: RebuildOptions;
  readonly out: PgvectorOut;
  readonly inPlace: boolean;
}

/**
 * Rebuild a pgvector table in ONE transaction: read (under a lock that blocks writers, not
 * readers) → guard → clean → normalize → rewrite the rows → CREATE INDEX with the metric's
 * operator class → verify the count → manifest as the column's comment → COMMIT. Postgres undoes
 * all of it if the process dies before COMMIT: the table is the old one or the new one.
 *
 * In place (the source is this table): rejected and folded rows are deleted, changed vectors
 * rewritten, every other column kept; readers wait only from the index drop to COMMIT. Otherwise
 * a new table (id, vector[, aliases]) is created from the source; an existing table is refused.
 */
export async function applyPgvectorRebuild(job: PgvectorRebuildJob): Promise<Applied> {
  const startedAt = performance.now();
  const { options, out, inPlace } = job;
  // In place, the rows are read again under the writer's lock: release the reading session first.
  if (inPlace) await job.source.close();
  const session = await out.open();
  let inTransaction = false;
  try {
    await session.query('BEGIN');
    inTransaction = true;
    const relation = qualifiedRelation(out.schema, out.table);
    const applied = inPlace ? await rebuildInPlace(session, job, relation) : await rebuildIntoNewTable(session, job, relation);

    await reachStep('commit-index', options.onStep);
    await session.query('COMMIT');
    inTransaction = false;
    // The manifest committed with the rows and the index: there is nothing left to rename.
    await reachStep('commit-manifest', options.onStep);
    await reachStep('cleanup', options.onStep);
    // Fresh statistics so the planner sees the new row count (and uses the new index) right away.
    await session.query(`ANALYZE ${relation}`);
    return { ...applied, seconds: Math.round((performance.now() - startedAt) / 100) / 10 };
  } catch (error) {
    if (inTransaction) await session.query('ROLLBACK').catch(() => undefined);
    throw storeFailure(out.shown, 'rebuild the table', error, describePostgresWriteError);
  } finally {
    await session.close();
  }
}

async function rebuildInPlace(session: SqlSession, job: PgvectorRebuildJob, relation: string): Promise<Omit<Applied, 'seconds'>> {
  const { plan, options, out } = job;
  if (options.ids) throw new UsageError("--ids names documents of a file source; an in-place rebuild keeps the table's own keys", { where: '--ids', hint: 'drop --ids' });
  await reachStep('load', options.onStep);
  // Writers wait until COMMIT (their rows would otherwise be lost or unindexed); readers go on.
  await session.query(`LOCK TABLE ${relation} IN SHARE ROW EXCLUSIVE MODE`);
  const catalog = await readCatalog(session, { ...(out.schema ? { schema: out.schema } : {}), table: out.table, column: out.column }, options.metric, out.shown);
  const type = columnType(catalog, out);
  assertRebuildable(catalog, out);
  const rows = await readKeyedRows(session, catalog, type.dim);
  const loaded = guardKeyedRows(rows, { metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row would be rejected: nothing to index', { where: out.shown, hint: 'the embedding step is broken; see the guard counts in the plan' });

  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);
  const keyOf = (position: number): string => rows.keys[loaded.sourceRows[position] as number] as string;
  const keptKeys = Array.from(cleaned.cleaning.keep, keyOf);

  await reachStep('build', options.onStep);
  await session.query(`CREATE TEMP TABLE vectorclinic_stage (k ${catalog.key.sqlType} PRIMARY KEY, v ${type.qualified}(${type.dim})) ON COMMIT DROP`);
  await insertRows(session, { into: 'vectorclinic_stage', keyType: catalog.key.sqlType, type, keys: keptKeys, data: cleaned.data });
  for (const index of catalog.indexes) await session.query(`DROP INDEX ${quoteIdent(catalog.tableName.split('.')[0] as string)}.${quoteIdent(index.name)}`);
  const changes = await applyStagedRows(session, relation, catalog.key.sql, catalog.column.sql);
  const params = indexParamsFor(options, cleaned.count, type.dim);
  const built = await buildIndex(session, { relation, columnSql: catalog.column.sql, type, params, metric: options.metric, rows: cleaned.count });

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, relation, catalog.column.sql, cleaned.count, out);
  const indexName = await verifyIndex(session, out, options, built.opclass, params.type);

  await reachStep('sidecars', options.onStep);
  const { rejected, build } = inPlaceBuild({ source: plan.source.target, rows, loaded });
  const manifest = storeRebuildManifest({
    dim: type.dim,
    options,
    plan,
    loaded,
    cleaned,
    reference,
    index: { engine: 'pgvector', type: params.type, ...(indexName ? { name: indexName } : {}), params: { ...built.params } },
    build: { ...build, rowsDeleted: changes.deleted, vectorsRewritten: changes.updated },
  });
  await commentOnColumn(session, relation, catalog.column.sql, encodeStoreManifest(manifest));
  return writeSummary({ accepted: loaded.count, rejected, cleaned, ntotal, manifest: `comment on column ${catalog.tableName}.${catalog.column.name}`, ids: `the table's key ${catalog.key.name}` });
}

async function rebuildIntoNewTable(session: SqlSession, job: PgvectorRebuildJob, relation: string): Promise<Omit<Applied, 'seconds'>> {
  const { source, description, plan, options, out } = job;
  const exists = (await session.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [relation]))[0]?.oid;
  if (exists) {
    throw new StoreError(`table ${out.table} already exists`, {
      where: out.shown,
      hint: 'write a new table and point the application at it, or rebuild this table in place by giving the same URL as the source',
    });
  }
  const documentIds = documentIdsFor(readManifest(options.source), description.rows, options).ids?.map((entry) => entry[0] as string);
  await reachStep('load', options.onStep);
  const dim = options.dim ?? description.dim;
  const loaded: LoadedRows = await loadThroughGuard(source, description, { dim, metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row was rejected: nothing to index', { where: description.target, hint: 'see the guard counts in the plan; the embedding step is broken' });

  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);
  const idOf = (position: number): string => {
    const row = loaded.sourceRows[position] as number;
    return documentIds ? (documentIds[row] as string) : String(row);
  };
  const keptIds = Array.from(cleaned.cleaning.keep, idOf);

  await reachStep('build', options.onStep);
  const schema = await vectorExtensionSchema(session, out);
  const type: VectorColumnType = { qualified: `${quoteIdent(schema)}.vector`, name: 'vector', dim };
  const idType = documentIds ? 'text' : 'bigint';
  const column = quoteIdent(out.column);
  // Folded near-duplicates stay findable: their ids are listed on the row that represents them.
  const aliases = options.dedup ? { type: 'text[]', values: Array.from(cleaned.cleaning.keep, (position) => (cleaned.cleaning.folded.get(position) ?? []).map(idOf)) } : undefined;
  await session.query(`CREATE TABLE ${relation} (id ${idType} PRIMARY KEY, ${column} ${type.qualified}(${dim}) NOT NULL${aliases ? ', aliases text[] NOT NULL' : ''})`);
  await insertRows(session, { into: relation, keyType: idType, type, keys: keptIds, data: cleaned.data, extra: aliases });
  const params = indexParamsFor(options, cleaned.count, dim);
  const built = await buildIndex(session, { relation, columnSql: column, type, params, metric: options.metric, rows: cleaned.count });

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, relation, column, cleaned.count, out);
  const indexName = await verifyIndex(session, out, options, built.opclass, params.type);

  await reachStep('sidecars', options.onStep);
  const manifest = storeRebuildManifest({
    dim,
    options,
    plan,
    loaded,
    cleaned,
    reference,
    index: { engine: 'pgvector', type: params.type, ...(indexName ? { name: indexName } : {}), params: { ...built.params } },
    build: { source: description.target, inPlace: false, sourceRows: description.rows },
  });
  await commentOnColumn(session, relation, column, encodeStoreManifest(manifest));
  const tableName = `${out.schema ?? 'public'}.${out.table}`;
  return writeSummary({
    accepted: loaded.count,
    rejected: loaded.totals.rejected,
    cleaned,
    ntotal,
    manifest: `comment on column ${tableName}.${out.column}`,
    ids: `column id of ${tableName}${aliases ? ' (folded duplicates in aliases)' : ''}`,
  });
}

/** The index to build: on `columnSql` of `relation`, for `rows` rows, with the metric's operator class. */
interface IndexBuild {
  readonly relation: string;
  readonly columnSql: string;
  readonly type: VectorColumnType;
  readonly params: IndexParams;
  readonly metric: Metric;
  readonly rows: number;
}

/** Build the index the plan names (none for flat) with maintenance memory sized to it. */
async function buildIndex(session: SqlSession, build: IndexBuild): Promise<{ opclass: string; params: Record<string, number | string | boolean> }> {
  const { relation, columnSql, type, params, rows } = build;
  const opclass = opclassFor(type.name, build.metric);
  const statement = createIndexStatement(relation, columnSql, opclass, params);
  if (!statement) return { opclass, params: {} };
  const maintenanceMemoryMb = await sizeMaintenanceMemory(session, rows, type.dim, params);
  await session.query(statement);
  const searchSetting: Record<string, number> = params.type === 'hnsw' ? { 'hnsw.ef_search': params.hnsw.efSearch } : params.type === 'ivfflat' ? { 'ivfflat.probes': params.ivfflat.probes } : {};
  const buildSetting: Record<string, number> = params.type === 'hnsw' ? { m: params.hnsw.M, ef_construction: params.hnsw.efConstruction } : params.type === 'ivfflat' ? { lists: params.ivfflat.lists } : {};
  return { opclass, params: { opclass, ...buildSetting, ...searchSetting, maintenance_work_mem_mb: maintenanceMemoryMb } };
}

async function verifyRows(session: SqlSession, relation: string, columnSql: string, expected: number, out: PgvectorOut): Promise<number> {
  const found = toCount((await session.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${relation} WHERE ${columnSql} IS NOT NULL`))[0]?.n);
  if (found !== expected)
    throw new StoreError(`the rebuilt table holds ${found} vectors, ${expected} were accepted`, { where: out.shown, hint: 'nothing was committed; a trigger or rule on the table may have changed the rows' });
  return found;
}

/** The new index is on the column with the metric's operator class and valid; its name. */
async function verifyIndex(session: SqlSession, out: PgvectorOut, options: RebuildOptions, opclass: string, type: string): Promise<string | undefined> {
  if (type === 'flat') return undefined;
  const catalog = await readCatalog(session, { ...(out.schema ? { schema: out.schema } : {}), table: out.table, column: out.column }, options.metric, out.shown);
  const index = catalog.indexes.find((candidate) => candidate.valid && candidate.opclass === opclass && candidate.method === type);
  if (!index) throw new StoreError(`the ${type} index with ${opclass} is missing or invalid after CREATE INDEX`, { where: out.shown, hint: 'nothing was committed; check the server log' });
  return index.name;
}

function columnType(catalog: PgvectorCatalog, out: PgvectorOut): VectorColumnType {
  const name = catalog.column.type;
  if (name !== 'vector' && name !== 'halfvec') throw new UsageError(`a ${name} column cannot be rebuilt`, { where: out.shown, hint: 'rebuild from an export of the vectors into a new vector table' });
  if (catalog.column.dim <= 0)
    throw new UsageError(`column ${catalog.column.name} has no declared dimension (vector instead of vector(d))`, {
      where: out.shown,
      hint: 'declare the dimension (ALTER TABLE … ALTER COLUMN … TYPE vector(d)) or rebuild into a new table',
    });
  return { qualified: `${catalog.extensionSchema}.${name}`, name, dim: catalog.column.dim };
}

/** A stable key to match rows by, and only indexes the rebuild can recreate. */
function assertRebuildable(catalog: PgvectorCatalog, out: PgvectorOut): void {
  if (catalog.key.kind === 'ctid') {
    throw new UsageError(`table ${catalog.tableName} has no primary key or unique not-null column`, { where: out.shown, hint: 'add a primary key, or rebuild into a new table (a different ?table= in --out)' });
  }
  const special = catalog.indexes.filter((index) => index.predicate !== null || index.orderExpression !== catalog.column.sql);
  if (special.length) {
    throw new UsageError(`the table has a partial or expression vector index the rebuild would not recreate: ${special.map((index) => index.definition).join('; ')}`, {
      where: out.shown,
      hint: 'drop it first (and recreate it after), or rebuild into a new table',
    });
  }
}

async function vectorExtensionSchema(session: SqlSession, out: PgvectorOut): Promise<string> {
  const found = await session.query<{ schema: string }>("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'");
  if (found[0]) return found[0].schema;
  throw new StoreError('the pgvector extension is not installed in this database', { where: out.shown, hint: 'run CREATE EXTENSION vector (as a role allowed to) and retry' });
}

/** What a rebuild wrote, in the words of the result (seconds are added by the caller). */
