import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { readDuckdbCatalog, type DuckdbTableCatalog } from '../engines/duckdb/catalog.js';
import { describeDuckdbError } from '../engines/duckdb/errors.js';
import { openDuckdbReadWrite, quoteIdentifier, quoteLiteral, toCount, type DuckdbWriteSession } from '../engines/duckdb/session.js';
import { loadDriver } from '../engines/drivers.js';
import { storeFailure } from '../engines/store-errors.js';
import { StoreError, UsageError } from '../errors.js';
import { createManifest } from '../manifest/create.js';
import { documentIdsFor } from '../manifest/document-ids.js';
import { readManifest } from '../manifest/manifest.js';
import { measureReference } from '../manifest/reference.js';
import { encodeStoreManifest, parseStoreManifest } from '../manifest/store-manifest.js';
import { assertWritableTarget } from '../io/atomic.js';
import { openSource } from '../sources/open-source.js';
import type { VectorSource } from '../sources/source.js';
import { DEFAULT_DUCKDB_COLUMN, parseDuckdbOut, type DuckdbOut } from '../rebuild/stores/duckdb/out-url.js';
import type { GuardFileOptions, GuardFileResult } from './guard-file.js';
import { REJECTED_LISTED, refuseBlockIssues } from './guard-source.js';
import { createGuard } from './guard.js';
import type { Guard, RejectedRow, RowId } from './types.js';

/** Accepted rows kept to measure the reference distribution of a table the guard creates. */
const REFERENCE_ROWS = 20_000;
/** The temp table accepted rows are appended to before the one INSERT into the store. */
const STAGE = 'vectorclinic_guarded';

export interface GuardDuckdbOptions extends GuardFileOptions {
  /** duckdb://FILE?table=T[&column=C][&id=I]: created (id, C FLOAT[dim]) when missing. */
  readonly out: string;
  /** Write the accepted rows; without it everything runs inside a transaction that is rolled back (a plan: the file is untouched). */
  readonly apply?: boolean;
}

export interface GuardDuckdbResult extends GuardFileResult {
  /** plan: nothing was written (the counts are what --apply would insert); apply: committed. */
  readonly mode: 'plan' | 'apply';
  readonly store: { readonly rowsBefore: number; readonly rowsAfter: number; readonly created: boolean };
}

/** The table as the guard writes it: where the ids and vectors go, and its manifest if a rebuild (or guard) wrote one. */
interface TableTarget {
  readonly relation: string;
  readonly name: string;
  readonly idColumn: string;
  readonly column: string;
  readonly idType: 'VARCHAR' | 'BIGINT';
  readonly created: boolean;
  readonly rowsBefore: number;
  readonly storedIds: readonly string[];
  readonly manifest?: ReturnType<typeof parseStoreManifest>;
}

/**
 * `guard` in front of a DuckDB table: every input row goes through the guard (dimension, finite,
 * non-zero, ids already in the table refused, normalized once for cosine), and the accepted rows
 * are appended in ONE transaction (all or nothing; the table grows by exactly the accepted
 * count, checked before COMMIT). A missing table is created as (id PRIMARY KEY, vector FLOAT[dim]).
 */
export async function guardIntoDuckdb(options: GuardDuckdbOptions): Promise<GuardDuckdbResult> {
  const out = parseDuckdbOut(options.out) as DuckdbOut;
  const apply = Boolean(options.apply);
  // As for SQLite tables, rejected rows are quarantined only when the accepted ones are written.
  const quarantine = apply ? options.quarantine : undefined;
  if (quarantine) assertWritableTarget(quarantine, '--quarantine');
  const directory = dirname(out.path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new UsageError(`no directory ${directory} for the DuckDB database file`, { where: out.shown, hint: 'create it first, or fix the path' });
  const source = await openSource(options.input, { metric: options.metric });
  let session: DuckdbWriteSession | undefined;
  let inTransaction = false;
  try {
    const description = await source.describe();
    const known = documentIdsFor(readManifest(options.input), description.rows, options);
    const documentIds = known.ids?.map((entry) => entry[0] as string);
    // A plan on a missing file creates nothing: its table is declared in an in-memory database instead.
    session = await openDuckdbReadWrite(await loadDriver('@duckdb/node-api', out.shown), apply || existsSync(out.path) ? out.path : ':memory:');
    await session.rows('BEGIN TRANSACTION');
    inTransaction = true;
    const table = await prepareTable(session, out, options, documentIds ? 'VARCHAR' : 'BIGINT');
    const guard = createGuard({
      dim: options.dim,
      metric: options.metric,
      ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
      ...(quarantine ? { onBad: 'quarantine' as const, quarantine } : { onBad: 'reject' as const }),
      duplicates: options.rejectDuplicates ? 'reject' : 'flag',
      knownIds: table.storedIds,
    });
    await session.rows(`CREATE TEMP TABLE ${STAGE} (k ${table.idType}, v FLOAT[${options.dim}])`);
    const { firstRejected, sample } = await appendGuarded(source, guard, session, { documentIds, idType: table.idType, dim: options.dim });
    const totals = guard.totals();
    await session.rows(`INSERT INTO ${table.relation} (${table.idColumn}, ${table.column}) SELECT k, v FROM temp.main.${STAGE}`);
    await session.rows(`DROP TABLE temp.main.${STAGE}`);
    const [after] = await session.rows<{ n: unknown }>(`SELECT count(*) AS n FROM ${table.relation}`);
    const rowsAfter = toCount(after?.n);
    if (rowsAfter !== table.rowsBefore + totals.accepted) {
      throw new StoreError(`the table grew by ${rowsAfter - table.rowsBefore} rows, not the ${totals.accepted} accepted`, {
        where: out.shown,
        hint: 'nothing was committed; a default or trigger-like rule may have changed the rows',
      });
    }
    const manifest = await recordManifest(session, { table, options, rowsAfter, sample, totals, source: description.target });
    // A rolled-back transaction leaves the file byte for byte as it was (tested).
    await session.rows(apply ? 'COMMIT' : 'ROLLBACK');
    inTransaction = false;
    if (apply) await session.rows('CHECKPOINT');
    return {
      input: description.target,
      out: out.shown,
      manifest,
      ids: `column ${table.idColumn.replace(/^"|"$/g, '')} of ${table.name}`,
      totals,
      firstRejected,
      ...(quarantine ? { quarantine } : {}),
      mode: apply ? 'apply' : 'plan',
      store: { rowsBefore: table.rowsBefore, rowsAfter, created: table.created },
    };
  } catch (error) {
    if (inTransaction) await session?.rows('ROLLBACK').catch(() => undefined);
    throw storeFailure(out.shown, 'guard rows into the table', error, describeDuckdbError);
  } finally {
    await session?.close();
    await source.close();
  }
}

/** The existing table checked against the policy, or a new one created. */
async function prepareTable(session: DuckdbWriteSession, out: DuckdbOut, options: GuardDuckdbOptions, idType: 'VARCHAR' | 'BIGINT'): Promise<TableTarget> {
  const schema = out.schema ?? 'main';
  const [exists] = await session.rows<{ n: unknown }>('SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2', [schema, out.table]);
  if (toCount(exists?.n) === 0) {
    const relation = `${quoteIdentifier(schema)}.${quoteIdentifier(out.table)}`;
    const idColumn = quoteIdentifier(out.idColumn ?? 'id');
    const column = quoteIdentifier(out.column ?? DEFAULT_DUCKDB_COLUMN);
    await session.rows(`CREATE TABLE ${relation} (${idColumn} ${idType} PRIMARY KEY, ${column} FLOAT[${options.dim}] NOT NULL)`);
    return { relation, name: out.table, idColumn, column, idType, created: true, rowsBefore: 0, storedIds: [] };
  }
  const catalog = await readDuckdbCatalog(
    session,
    { ...(out.schema ? { schema: out.schema } : {}), table: out.table, ...(out.column ? { column: out.column } : {}), ...(out.idColumn ? { idColumn: out.idColumn } : {}) },
    out.shown,
  );
  assertMatchesPolicy(catalog, out, options);
  const idColumn = catalog.idColumn as NonNullable<DuckdbTableCatalog['idColumn']>;
  const idTypeName = catalog.columns.find((column) => column.name === idColumn.name)?.type ?? 'VARCHAR';
  const stored = await session.rows<{ k: string | null }>(`SELECT CAST(${idColumn.sql} AS VARCHAR) AS k FROM ${catalog.relation}`);
  const [comment] = await session.rows<{ comment: string | null }>('SELECT comment FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2 AND column_name = $3', [
    catalog.schema,
    catalog.table,
    catalog.column.name,
  ]);
  const manifest = parseStoreManifest(comment?.comment, `comment on column ${catalog.tableName}.${catalog.column.name}`, stored.length);
  if (manifest && (manifest.manifest.metric !== options.metric || manifest.manifest.dim !== options.dim)) {
    throw new UsageError(`--metric ${options.metric} --dim ${options.dim} disagree with the table's manifest (metric ${manifest.manifest.metric}, dim ${manifest.manifest.dim})`, {
      where: out.shown,
      hint: "embed with the model the table was built for, or rebuild the table for the new model's policy",
    });
  }
  return {
    relation: catalog.relation,
    name: catalog.tableName,
    idColumn: idColumn.sql,
    column: catalog.column.sql,
    idType: /^(BIGINT|INTEGER|INT|HUGEINT|UBIGINT|UINTEGER|SMALLINT)$/i.test(idTypeName) ? 'BIGINT' : 'VARCHAR',
    created: false,
    rowsBefore: stored.length,
    storedIds: stored.flatMap((row) => (row.k === null ? [] : [row.k])),
    ...(manifest ? { manifest } : {}),
  };
}

function assertMatchesPolicy(catalog: DuckdbTableCatalog, out: DuckdbOut, options: GuardDuckdbOptions): void {
  if (catalog.view) throw new UsageError(`${catalog.tableName} is a view`, { where: out.shown, hint: 'guard rows into the table the view reads' });
  const fixed = catalog.column.type.fixedDim;
  if (fixed !== undefined && fixed !== options.dim)
    throw new UsageError(`--dim ${options.dim} disagrees with column ${catalog.column.name} ${catalog.column.type.name}`, { where: out.shown, hint: 'the model and the table must agree; check --dim' });
  if (!catalog.idColumn) {
    throw new UsageError(`table ${catalog.tableName} has no id column: the guard cannot refuse ids already stored`, {
      where: out.shown,
      hint: `name the column holding document ids with ?id=, or add one (columns: ${catalog.columns.map((column) => column.name).join(', ')})`,
    });
  }
}

/** Every input block through the guard; the accepted rows appended to the stage table under their ids. */
async function appendGuarded(
  source: VectorSource,
  guard: Guard,
  session: DuckdbWriteSession,
  rows: { readonly documentIds: readonly string[] | undefined; readonly idType: 'VARCHAR' | 'BIGINT'; readonly dim: number },
): Promise<{ firstRejected: RejectedRow[]; sample: Float32Array }> {
  const firstRejected: RejectedRow[] = [];
  const { dim } = rows;
  const sample = new Float32Array(REFERENCE_ROWS * dim);
  let sampled = 0;
  for await (const block of source.scan()) {
    const rowNumbers = Array.from({ length: block.count }, (_, i) => (block.rows ? (block.rows[i] as number) : block.start + i));
    const ids: RowId[] = rows.documentIds ? rowNumbers.map((row) => rows.documentIds?.[row] as string) : rowNumbers;
    const result = guard.check({ data: block.data, rows: block.count, dim: block.dim }, { ids, batchId: `rows ${block.start}..${block.start + block.count - 1}` });
    for (const row of result.rejected) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
    for (const row of refuseBlockIssues(block, guard, (r) => (rows.documentIds ? (rows.documentIds[r] as string) : r))) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
    const { accepted } = result;
    if (accepted.count === 0) continue;
    const data = accepted.data.subarray(0, accepted.count * dim);
    const keys = Array.from(accepted.ids.slice(0, accepted.count), (id) => (rows.idType === 'BIGINT' ? BigInt(id) : String(id)));
    await session.append({ table: STAGE, keys: keys as bigint[] | string[], data, dim });
    const take = Math.min(accepted.count, REFERENCE_ROWS - sampled);
    sample.set(data.subarray(0, take * dim), sampled * dim);
    sampled += take;
  }
  return { firstRejected, sample: sample.subarray(0, sampled * dim) };
}

/**
 * A table the guard created gets the policy manifest in the vector column's comment; a table
 * whose manifest a rebuild wrote keeps it, with the new row count (the rows met its policy).
 */
async function recordManifest(
  session: DuckdbWriteSession,
  facts: { table: TableTarget; options: GuardDuckdbOptions; rowsAfter: number; sample: Float32Array; totals: ReturnType<Guard['totals']>; source: string },
): Promise<string> {
  const { table, options } = facts;
  const where = `comment on column ${table.name}.${table.column.replace(/^"|"$/g, '')}`;
  let text: string;
  if (table.manifest) text = encodeStoreManifest({ ...table.manifest.manifest, rows: facts.rowsAfter });
  else if (table.created) {
    const rows = facts.sample.length / options.dim;
    text = encodeStoreManifest(
      createManifest({
        dim: options.dim,
        metric: options.metric,
        normalized: options.normalize ?? options.metric === 'cosine',
        rows: facts.rowsAfter,
        ...(options.model ? { model: options.model } : {}),
        index: { engine: 'duckdb', type: 'flat', params: { search: 'exact scan (no vector index)' } },
        ...(rows > 0 ? { reference: measureReference(facts.sample, rows, options.dim) } : {}),
        build: { source: facts.source, accepted: facts.totals.accepted, rejected: facts.totals.rejected, rejectedByCause: { ...facts.totals.causes } },
      }),
    );
  } else return 'none (the table had no vectorclinic manifest; none was added)';
  await session.rows(`COMMENT ON COLUMN ${table.relation}.${table.column} IS ${quoteLiteral(text)}`);
  return where;
}
