import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { readDuckdbCatalog } from '../../../engines/duckdb/catalog.js';
import { openDuckdbReadWrite, quoteIdentifier, quoteLiteral, toCount, type DuckdbWriteSession } from '../../../engines/duckdb/session.js';
import { readTableShape } from '../../../engines/duckdb/table-shape.js';
import { loadDriver } from '../../../engines/drivers.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { InputError, StoreError, UsageError } from '../../../errors.js';
import { documentIdsFor } from '../../../manifest/document-ids.js';
import { readManifest } from '../../../manifest/manifest.js';
import { encodeStoreManifest } from '../../../manifest/store-manifest.js';
import type { SourceDescription, VectorSource } from '../../../sources/source.js';
import { describeDuckdbError } from '../../../engines/duckdb/errors.js';
import { loadThroughGuard } from '../../load.js';
import { cleanAndTransform, type CleanedRows } from '../../prepare.js';
import type { ReferenceDistribution } from '../../../core/policy.js';
import { reachStep } from '../../steps.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from '../../types.js';
import { guardKeyedRows } from '../pgvector/keyed-guard.js';
import { inPlaceBuild, storeRebuildManifest } from '../store-rebuild-manifest.js';
import { DEFAULT_DUCKDB_COLUMN, type DuckdbOut } from './out-url.js';
import { readDuckdbKeyedRows } from './read-table.js';
import { writeSummary } from '../write-summary.js';

type Applied = NonNullable<RebuildResult['applied']>;

/** The temp table holding (rowid, new vector) of the accepted rows during an in-place rebuild. */
const STAGE = 'vectorclinic_stage';

/** What the rebuild's manifest says about the index: DuckDB has none here, its searches are exact scans. */
const EXACT_INDEX = { engine: 'duckdb', type: 'flat', params: { search: 'exact scan (no vector index; the vss extension is not used)' } } as const;

interface Request {
  readonly source: VectorSource;
  readonly description: SourceDescription;
  readonly plan: RebuildPlan;
  readonly options: RebuildOptions;
  readonly out: DuckdbOut;
}

/**
 * Rebuild into a DuckDB table in ONE transaction: the accepted rows (guarded, cleaned, normalized
 * for cosine) become a table with a FLOAT[d] column (fixed length, whatever the source column
 * was), its manifest in the vector column's comment, then COMMIT. DuckDB's DDL is transactional:
 * a process killed before COMMIT leaves the old table, after it the new one (the write-ahead log
 * is replayed on the next open).
 *
 * In place (the source is this table): the new table is written beside the old one with every
 * other column, then the old one dropped and the new one renamed into its place, and its
 * constraints, defaults, comments and indexes replayed. Otherwise a new table (id, vector[,
 * aliases]) is created; an existing table is refused.
 */
export async function applyDuckdbRebuild(request: Request, inPlace: boolean): Promise<Applied> {
  const startedAt = performance.now();
  const { out } = request;
  const prepared = inPlace ? undefined : await prepareFromSource(request);
  // DuckDB allows one open instance of a file per process: the read-only source goes first.
  await request.source.close();
  assertDirectory(out);
  const driver = await loadDriver('@duckdb/node-api', out.shown);
  let session: DuckdbWriteSession | undefined;
  let inTransaction = false;
  try {
    session = await openDuckdbReadWrite(driver, out.path);
    await session.rows('BEGIN TRANSACTION');
    inTransaction = true;
    const applied = prepared ? await writeNewTable(session, request, prepared) : await rebuildInPlace(session, request);
    await reachStep('commit-index', request.options.onStep);
    await session.rows('COMMIT');
    inTransaction = false;
    // The manifest committed with the rows: nothing is left to rename.
    await reachStep('commit-manifest', request.options.onStep);
    await reachStep('cleanup', request.options.onStep);
    // Fold the write-ahead log into the file, so a copy of the file alone holds the new table.
    await session.rows('CHECKPOINT');
    return { ...applied, seconds: Math.round((performance.now() - startedAt) / 100) / 10 };
  } catch (error) {
    if (inTransaction) await session?.rows('ROLLBACK').catch(() => undefined);
    throw storeFailure(out.shown, 'rebuild the table', error, describeDuckdbError);
  } finally {
    await session?.close();
  }
}

interface Prepared {
  readonly loaded: Awaited<ReturnType<typeof loadThroughGuard>>;
  readonly cleaned: CleanedRows;
  readonly reference: ReferenceDistribution;
  readonly ids: readonly string[] | undefined;
  readonly dim: number;
}

/** A new table's rows, read through the guard while the source is still open. */
async function prepareFromSource({ source, description, plan, options }: Request): Promise<Prepared> {
  const ids = documentIdsFor(readManifest(options.source), description.rows, options).ids?.map((entry) => entry[0] as string);
  await reachStep('load', options.onStep);
  const dim = options.dim ?? description.dim;
  const loaded = await loadThroughGuard(source, description, { dim, metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row was rejected: nothing to write', { where: description.target, hint: 'see the guard counts in the plan; the embedding step is broken' });
  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);
  return { loaded, cleaned, reference, ids, dim };
}

async function writeNewTable(session: DuckdbWriteSession, { description, plan, options, out }: Request, prepared: Prepared): Promise<Omit<Applied, 'seconds'>> {
  const { loaded, cleaned, reference, ids, dim } = prepared;
  const schema = out.schema ?? 'main';
  const [exists] = await session.rows<{ n: unknown }>('SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2', [schema, out.table]);
  const [view] = await session.rows<{ n: unknown }>('SELECT count(*) AS n FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1 AND view_name = $2', [schema, out.table]);
  if (toCount(exists?.n) > 0 || toCount(view?.n) > 0) {
    throw new StoreError(`table ${out.table} already exists`, {
      where: out.shown,
      hint: 'write a new table and point the application at it, or rebuild this table in place by giving the same URL as the source',
    });
  }
  await reachStep('build', options.onStep);
  const relation = `${quoteIdentifier(schema)}.${quoteIdentifier(out.table)}`;
  const column = out.column ?? DEFAULT_DUCKDB_COLUMN;
  const idColumn = out.idColumn ?? 'id';
  const idOf = (position: number): string => {
    const row = loaded.sourceRows[position] as number;
    return ids ? (ids[row] as string) : String(row);
  };
  const aliases = options.dedup ? Array.from(cleaned.cleaning.keep, (position) => (cleaned.cleaning.folded.get(position) ?? []).map(idOf)) : undefined;
  await session.rows(
    `CREATE TABLE ${relation} (${quoteIdentifier(idColumn)} ${ids ? 'VARCHAR' : 'BIGINT'} PRIMARY KEY, ${quoteIdentifier(column)} FLOAT[${dim}] NOT NULL${aliases ? ', aliases VARCHAR[] NOT NULL' : ''})`,
  );
  const keys = Array.from(cleaned.cleaning.keep, idOf);
  await session.append({ schema, table: out.table, keys: ids ? keys : keys.map(BigInt), data: cleaned.data, dim, lists: aliases });

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, { relation, column: quoteIdentifier(column), dim, expected: cleaned.count, nullRows: 0, out });
  await reachStep('sidecars', options.onStep);
  const manifest = storeRebuildManifest({ dim, options, plan, loaded, cleaned, reference, index: EXACT_INDEX, build: { source: description.target, inPlace: false, sourceRows: description.rows } });
  await commentOnColumn(session, relation, quoteIdentifier(column), encodeStoreManifest(manifest));
  const tableName = schema === 'main' ? out.table : `${schema}.${out.table}`;
  return writeSummary({
    accepted: loaded.count,
    rejected: loaded.totals.rejected,
    cleaned,
    ntotal,
    manifest: `comment on column ${tableName}.${column}`,
    ids: `column ${idColumn} of ${tableName}${aliases ? ' (folded duplicates in aliases)' : ''}`,
  });
}

async function rebuildInPlace(session: DuckdbWriteSession, { description, plan, options, out }: Request): Promise<Omit<Applied, 'seconds'>> {
  if (options.ids) throw new UsageError("--ids names documents of a file source; an in-place rebuild keeps the table's own rows", { where: '--ids', hint: 'drop --ids' });
  await reachStep('load', options.onStep);
  const catalog = await readDuckdbCatalog(session, { ...(out.schema ? { schema: out.schema } : {}), table: out.table, ...(out.column ? { column: out.column } : {}) }, out.shown);
  if (catalog.view) throw new UsageError(`${catalog.tableName} is a view: its rows belong to the tables it reads`, { where: out.shown, hint: 'rebuild the table the view reads, or write a new table' });
  const dim = catalog.column.type.fixedDim ?? options.dim ?? description.dim;
  const rows = await readDuckdbKeyedRows(session, catalog, dim);
  const loaded = guardKeyedRows(rows, { metric: options.metric, normalize: plan.normalize, ...(options.quarantine ? { quarantine: options.quarantine } : {}) });
  if (loaded.count === 0) throw new InputError('every row would be rejected: nothing to write', { where: out.shown, hint: 'the embedding step is broken; see the guard counts in the plan' });

  const { cleaned, reference } = await cleanAndTransform(loaded, plan, options);

  await reachStep('build', options.onStep);
  const shape = await readTableShape(session, { schema: catalog.schema, table: catalog.table, vectorColumn: catalog.column.name }, out.shown);
  const keptRowids = Array.from(cleaned.cleaning.keep, (position) => BigInt(rows.keys[loaded.sourceRows[position] as number] as string));
  await session.rows(`CREATE TEMP TABLE ${STAGE} (k BIGINT, v FLOAT[${dim}])`);
  await session.append({ table: STAGE, keys: keptRowids, data: cleaned.data, dim });
  const staging = `${quoteIdentifier(catalog.schema)}.${quoteIdentifier(`${catalog.table}__vectorclinic_rebuild`)}`;
  const column = catalog.column.sql;
  // Every other column as it was; rows without a vector are kept (nothing to index, they need embedding).
  await session.rows(
    `CREATE TABLE ${staging} AS SELECT t.* REPLACE (CAST(s.v AS FLOAT[${dim}]) AS ${column}) FROM ${catalog.relation} t LEFT JOIN temp.main.${STAGE} s ON s.k = t.rowid WHERE s.k IS NOT NULL OR t.${column} IS NULL ORDER BY t.rowid`,
  );
  await session.rows(`DROP TABLE temp.main.${STAGE}`);
  await session.rows(`DROP TABLE ${catalog.relation}`);
  await session.rows(`ALTER TABLE ${staging} RENAME TO ${quoteIdentifier(catalog.table)}`);
  for (const statement of shape.restore) await session.rows(statement);

  await reachStep('verify', options.onStep);
  const ntotal = await verifyRows(session, { relation: catalog.relation, column, dim, expected: cleaned.count, nullRows: rows.nullRows, out });

  await reachStep('sidecars', options.onStep);
  const { rejected, build } = inPlaceBuild({ source: plan.source.target, rows, loaded });
  const manifest = storeRebuildManifest({
    dim,
    options,
    plan,
    loaded,
    cleaned,
    reference,
    index: EXACT_INDEX,
    build: { ...build, rowsDeleted: build.sourceRows - cleaned.count, columnTypeBefore: catalog.column.type.name },
  });
  await commentOnColumn(session, catalog.relation, column, encodeStoreManifest(manifest));
  return writeSummary({
    accepted: loaded.count,
    rejected,
    cleaned,
    ntotal,
    manifest: `comment on column ${catalog.tableName}.${catalog.column.name}`,
    ids: catalog.idColumn ? `the table's column ${catalog.idColumn.name}` : "the table's rows (no id column: search results name rows by rowid, which the rebuild renumbers)",
  });
}

/** The table holds exactly the accepted vectors, each FLOAT[dim], and its rows without a vector. */
async function verifyRows(
  session: DuckdbWriteSession,
  table: { readonly relation: string; readonly column: string; readonly dim: number; readonly expected: number; readonly nullRows: number; readonly out: DuckdbOut },
): Promise<number> {
  const [found] = await session.rows<{ vectors: unknown; nulls: unknown; type: string }>(
    `SELECT count(${table.column}) AS vectors, count(*) - count(${table.column}) AS nulls, any_value(typeof(${table.column})) AS type FROM ${table.relation}`,
  );
  const vectors = toCount(found?.vectors);
  if (vectors !== table.expected || toCount(found?.nulls) !== table.nullRows) {
    throw new StoreError(`the rebuilt table holds ${vectors} vectors and ${toCount(found?.nulls)} rows without one; ${table.expected} and ${table.nullRows} were expected`, {
      where: table.out.shown,
      hint: 'nothing was committed; report this with the DuckDB version',
    });
  }
  if (found?.type && found.type !== `FLOAT[${table.dim}]`) throw new StoreError(`the rebuilt column is ${found.type}, not FLOAT[${table.dim}]`, { where: table.out.shown, hint: 'nothing was committed' });
  return vectors;
}

async function commentOnColumn(session: DuckdbWriteSession, relation: string, column: string, text: string): Promise<void> {
  await session.rows(`COMMENT ON COLUMN ${relation}.${column} IS ${quoteLiteral(text)}`);
}

/** A new database file may be created, but only in a directory that exists (a typo never creates directories). */
function assertDirectory(out: DuckdbOut): void {
  const directory = dirname(out.path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`no directory ${directory} for the DuckDB database file`, { where: out.shown, hint: 'create the directory first, or fix the path' });
  }
}
