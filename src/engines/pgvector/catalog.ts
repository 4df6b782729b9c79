import type { Metric } from '../../core/policy.js';
import { StoreError, UsageError } from '../../errors.js';
import { operatorClass, VECTOR_TYPES, type DistanceOperator, type VectorType } from './opclasses.js';
import { quoteIdent, toCount, type SqlSession } from './sql-session.js';

/** pgvector's documented defaults, used when an index or session leaves a setting unset. */
const HNSW_DEFAULTS = { m: 16, ef_construction: 64 };
const IVFFLAT_DEFAULTS = { lists: 100 };
const EF_SEARCH_DEFAULT = 40;
const PROBES_DEFAULT = 1;

/** Which table and column to check, as the URL gave them (either may be left out when unambiguous). */
export interface TableChoice {
  /** The schema, when the URL names one (?table=schema.table, ?table="my.schema".t or ?schema=). */
  readonly schema?: string;
  /** The table's own name (no schema part). */
  readonly table?: string;
  readonly column?: string;
  /** A column holding the application's document id, counted for duplicates when it is not unique. */
  readonly idColumn?: string;
}

export interface PgvectorCatalog {
  /** Schema-qualified, quoted, for SQL text. */
  readonly relation: string;
  /** schema.table, for people. */
  readonly tableName: string;
  readonly oid: number;
  readonly column: { readonly name: string; readonly sql: string; readonly type: VectorType; readonly dim: number; readonly notNull: boolean };
  /** The stable row order: a unique key when the table has one, else physical order (ctid). */
  readonly key: { readonly name: string; readonly sql: string; readonly kind: 'primary-key' | 'unique' | 'ctid'; readonly sqlType: string };
  /** A non-unique id column whose duplicates are worth counting. */
  readonly idColumn?: { readonly name: string; readonly sql: string };
  /** Vector indexes on the column, the one searches use first. */
  readonly indexes: readonly PgvectorIndex[];
  /** Search-time settings as this session sees them (database and role defaults included). */
  readonly settings: { readonly efSearch: number; readonly probes: number };
  /** Where the extension's types and operators live (qualified so search_path does not matter). */
  readonly extensionSchema: string;
  readonly extensionVersion: string;
  /** Planner estimate of rows and on-disk size of the table, for budgets. */
  readonly estimatedRows: number;
  readonly tableBytes: number;
}

export interface PgvectorIndex {
  readonly oid: number;
  readonly name: string;
  readonly method: 'hnsw' | 'ivfflat';
  readonly opclass: string;
  readonly distance: DistanceOperator;
  /** The pgvector type the index stores (an expression index may cast: (embedding::halfvec(3072))). */
  readonly storedType: string;
  /** What to ORDER BY for the index to serve the query: the column, or the indexed expression. */
  readonly orderExpression: string;
  readonly options: Readonly<Record<string, number>>;
  readonly valid: boolean;
  readonly predicate: string | null;
  readonly definition: string;
  /** Index tuples as the catalog last recorded them (at build, or at the last VACUUM/ANALYZE). */
  readonly catalogTuples: number;
}

interface VectorColumnRow {
  schema: string;
  table: string;
  column: string;
  type: string;
}

/** Read everything vectorclinic needs to know about the table from the catalog (no row is read). */
export async function readCatalog(session: SqlSession, choice: TableChoice, declared: Metric | undefined, target: string): Promise<PgvectorCatalog> {
  const extension = (
    await session.query<{ schema: string; version: string }>("SELECT n.nspname AS schema, e.extversion AS version FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'")
  )[0];
  if (!extension) {
    throw new StoreError('the pgvector extension is not installed in this database', {
      where: target,
      hint: 'check the database name in the URL; pgvector columns need CREATE EXTENSION vector',
    });
  }
  const candidates = await vectorColumns(session);
  const chosen = chooseColumn(candidates, choice, target);
  const relation = `${quoteIdent(chosen.schema)}.${quoteIdent(chosen.table)}`;
  const table = (
    await session.query<{ oid: number; reltuples: number; bytes: string | number }>(
      'SELECT c.oid::int8 AS oid, c.reltuples::float8 AS reltuples, pg_table_size(c.oid) AS bytes FROM pg_class c WHERE c.oid = $1::regclass',
      [relation],
    )
  )[0];
  if (!table) throw new StoreError(`table ${chosen.schema}.${chosen.table} disappeared while being read`, { where: target });
  const oid = toCount(table.oid);
  const column = (
    await session.query<{ attnum: number; typmod: number; notnull: boolean }>(
      'SELECT a.attnum::int AS attnum, a.atttypmod AS typmod, a.attnotnull AS notnull FROM pg_attribute a WHERE a.attrelid = $1 AND a.attname = $2 AND NOT a.attisdropped',
      [oid, chosen.column],
    )
  )[0];
  if (!column) throw new StoreError(`column ${chosen.column} disappeared while being read`, { where: target });
  const schema = quoteIdent(extension.schema);
  await loadExtensionLibrary(session, schema);
  const settings = await session.query<{ ef: string | null; probes: string | null }>("SELECT current_setting('hnsw.ef_search', true) AS ef, current_setting('ivfflat.probes', true) AS probes");
  const indexes = await readIndexes(session, oid, column.attnum, chosen.column);
  const key = await readKey(session, oid);
  const idColumn = await readIdColumn(session, oid, choice.idColumn, key, target);
  return {
    relation,
    tableName: `${chosen.schema}.${chosen.table}`,
    oid,
    column: { name: chosen.column, sql: quoteIdent(chosen.column), type: chosen.type as VectorType, dim: column.typmod > 0 ? column.typmod : -1, notNull: column.notnull },
    key,
    ...(idColumn ? { idColumn } : {}),
    indexes: orderIndexes(indexes, declared),
    settings: {
      efSearch: positiveOr(settings[0]?.ef, EF_SEARCH_DEFAULT),
      probes: positiveOr(settings[0]?.probes, PROBES_DEFAULT),
    },
    extensionSchema: schema,
    extensionVersion: extension.version,
    estimatedRows: Math.max(0, toCount(table.reltuples)),
    tableBytes: toCount(table.bytes),
  };
}

async function vectorColumns(session: SqlSession): Promise<VectorColumnRow[]> {
  return session.query<VectorColumnRow>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, t.typname AS type
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f') AND a.attnum > 0 AND NOT a.attisdropped
        AND t.typname IN ('vector', 'halfvec', 'sparsevec', 'bit')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY n.nspname, c.relname, a.attnum`,
  );
}

/** Pick the table/column the URL names, or the only vector column when it names none. */
function chooseColumn(candidates: readonly VectorColumnRow[], choice: TableChoice, target: string): VectorColumnRow {
  const listing = candidates
    .slice(0, 12)
    .map((c) => `${c.schema}.${c.table}(${c.column} ${c.type})`)
    .join(', ');
  const available = candidates.length ? `vector columns here: ${listing}${candidates.length > 12 ? ', …' : ''}` : 'this role can read no table with a vector column';
  const schemaPart = choice.schema;
  const tablePart = choice.table;
  const inTable = candidates.filter((c) => (tablePart === undefined || c.table === tablePart) && (schemaPart === undefined || c.schema === schemaPart) && (choice.column === undefined || c.column === choice.column));
  // Without a schema, prefer the table on the search path ('public') over same-named tables elsewhere.
  const preferred = schemaPart === undefined && inTable.some((c) => c.schema === 'public') ? inTable.filter((c) => c.schema === 'public') : inTable;
  if (preferred.length === 1) {
    const only = preferred[0] as VectorColumnRow;
    if (!(VECTOR_TYPES as readonly string[]).includes(only.type)) {
      throw new UsageError(`column ${only.column} is a pgvector ${only.type} column; vectorclinic reads vector, halfvec and sparsevec`, { where: target });
    }
    return only;
  }
  if (preferred.length === 0) {
    const named = tablePart === undefined ? (schemaPart === undefined ? undefined : `schema ${schemaPart}`) : `table ${schemaPart === undefined ? '' : `${schemaPart}.`}${tablePart}`;
    const what = named === undefined ? 'no vector column found' : choice.column === undefined ? `no vector column in ${named} (or no such table)` : `no vector column ${choice.column} in ${named} (or no such table)`;
    throw new StoreError(what, { where: target, hint: available });
  }
  throw new UsageError(`${preferred.length} vector columns match: say which with ?table=…&column=…`, { where: target, hint: available });
}

/** Custom settings (hnsw.ef_search) exist only once the extension's library is loaded in the session. */
async function loadExtensionLibrary(session: SqlSession, schema: string): Promise<void> {
  await session.query(`SELECT '[1]'::${schema}.vector`);
}

async function readIndexes(session: SqlSession, oid: number, attnum: number, columnName: string): Promise<PgvectorIndex[]> {
  const rows = await session.query<{
    oid: number | string;
    name: string;
    method: string;
    opclass: string;
    reloptions: string[] | string | null;
    tuples: number;
    valid: boolean;
    predicate: string | null;
    expression: string | null;
    keycolumn: number;
    definition: string;
  }>(
    `SELECT i.oid::int8 AS oid, i.relname AS name, am.amname AS method, opc.opcname AS opclass, i.reloptions, i.reltuples::float8 AS tuples,
            (ix.indisvalid AND ix.indisready) AS valid, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            pg_get_expr(ix.indexprs, ix.indrelid) AS expression, ix.indkey[0]::int AS keycolumn, pg_get_indexdef(i.oid) AS definition
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_am am ON am.oid = i.relam
       JOIN pg_opclass opc ON opc.oid = ix.indclass[0]
      WHERE ix.indrelid = $1 AND ix.indnatts = 1 AND am.amname IN ('hnsw', 'ivfflat')
      ORDER BY i.relname`,
    [oid],
  );
  const indexes: PgvectorIndex[] = [];
  for (const row of rows) {
    const onColumn = row.keycolumn === attnum;
    // An expression index over the column, e.g. ((embedding::halfvec(3072))): searches must ORDER BY that expression.
    const onExpression = row.keycolumn === 0 && row.expression !== null && new RegExp(`\\b${escapeRegExp(columnName)}\\b`).test(row.expression);
    const kind = operatorClass(row.opclass);
    if ((!onColumn && !onExpression) || !kind) continue;
    const method = row.method as 'hnsw' | 'ivfflat';
    indexes.push({
      oid: toCount(row.oid),
      name: row.name,
      method,
      opclass: row.opclass,
      distance: kind.distance,
      storedType: kind.type,
      orderExpression: onColumn ? quoteIdent(columnName) : `(${row.expression})`,
      options: { ...(method === 'hnsw' ? HNSW_DEFAULTS : IVFFLAT_DEFAULTS), ...parseReloptions(row.reloptions) },
      valid: row.valid,
      predicate: row.predicate,
      definition: row.definition,
      catalogTuples: Math.max(0, toCount(row.tuples)),
    });
  }
  return indexes;
}

/** reloptions arrive as a text[] from PGlite and as '{m=16,ef_construction=64}' over the wire. */
function parseReloptions(value: string[] | string | null): Record<string, number> {
  const items =
    value === null
      ? []
      : Array.isArray(value)
        ? value
        : value
            .replace(/^\{|\}$/g, '')
            .split(',')
            .filter(Boolean);
  const options: Record<string, number> = {};
  for (const item of items) {
    const [name, raw] = item.replace(/"/g, '').split('=');
    const number = Number(raw);
    if (name && Number.isFinite(number)) options[name] = number;
  }
  return options;
}

/** Searches use a valid index matching the declared metric first, else the first valid one. */
function orderIndexes(indexes: readonly PgvectorIndex[], declared: Metric | undefined): PgvectorIndex[] {
  const score = (index: PgvectorIndex): number => (index.valid ? 2 : 0) + (index.predicate === null ? 1 : 0) + (declared && index.distance.metric === declared ? 4 : 0);
  return [...indexes].sort((a, b) => score(b) - score(a));
}

async function readKey(session: SqlSession, oid: number): Promise<PgvectorCatalog['key']> {
  const keys = await session.query<{ name: string; primary: boolean; type: string }>(
    `SELECT a.attname AS name, ix.indisprimary AS primary, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index ix JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[0]
      WHERE ix.indrelid = $1 AND ix.indisunique AND ix.indnatts = 1 AND ix.indpred IS NULL AND ix.indexprs IS NULL
        AND ix.indisvalid AND a.attnotnull
      ORDER BY ix.indisprimary DESC, a.attnum`,
    [oid],
  );
  const key = keys[0];
  if (!key) return { name: 'ctid', sql: 'ctid', kind: 'ctid', sqlType: 'tid' };
  return { name: key.name, sql: quoteIdent(key.name), kind: key.primary ? 'primary-key' : 'unique', sqlType: key.type };
}

/**
 * The application's id column, when it is not guaranteed unique: ?id= names it, else a column
 * called "id". A primary key or unique index cannot repeat, so there is nothing to count.
 */
async function readIdColumn(session: SqlSession, oid: number, named: string | undefined, key: PgvectorCatalog['key'], target: string): Promise<{ name: string; sql: string } | undefined> {
  const name = named ?? 'id';
  if (key.kind !== 'ctid' && key.name === name) return undefined;
  const exists = await session.query<{ unique: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index ix WHERE ix.indrelid = $1 AND ix.indisunique AND ix.indnatts = 1 AND ix.indpred IS NULL AND ix.indkey[0] = a.attnum) AS unique
       FROM pg_attribute a WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [oid, name],
  );
  if (!exists[0]) {
    if (named !== undefined) throw new StoreError(`no column ${named} in the table (given as ?id=)`, { where: target });
    return undefined;
  }
  return exists[0].unique ? undefined : { name, sql: quoteIdent(name) };
}

function positiveOr(value: string | null | undefined, fallback: number): number {
  const number = Number(value);
  return value !== null && value !== undefined && value !== '' && Number.isFinite(number) && number > 0 ? number : fallback;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
