import type { Metric } from '../../../core/policy.js';
import { UsageError } from '../../../errors.js';
import type { FilterSpec } from '../../filters.js';
import { stopForDeadline } from '../../search-budget.js';
import type { FilterColumn, FilteredSearch, FilteredSearchRequest, FilteredSearchResult, SearchRemedy } from '../../source.js';
import type { PgvectorCatalog, PgvectorIndex } from '../../../engines/pgvector/catalog.js';
import { exactSearchByScan, type ScanFilter } from './exact-scan.js';
import { quoteIdent, readOnlyTransaction, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import { formatVectorText, parseVectorText } from '../../../engines/pgvector/vector-text.js';

/** A column with more distinct values than this is not a tenant/category column: not used for discovery. */
export const DISCOVERY_MAX_DISTINCT = 100;
/** Rows looked at before aggregating a column: more than DISCOVERY_MAX_DISTINCT values among them rules it out. */
const DISCOVERY_PROBE_ROWS = 20_000;
/** Columns looked at for discovery (each costs one GROUP BY over the table). */
const DISCOVERY_MAX_COLUMNS = 8;
const SCALAR_TYPES: Readonly<Record<string, FilterColumn['kind']>> = {
  smallint: 'number',
  integer: 'number',
  bigint: 'number',
  numeric: 'number',
  text: 'text',
  'character varying': 'text',
  character: 'text',
  boolean: 'boolean',
};
/** pgvector's defaults for the iterative-scan limits (0.8): what `max_scan_tuples` / `max_probes` raise from. */
const HNSW_MAX_SCAN_TUPLES_DEFAULT = 20_000;
const EF_SEARCH_MAX = 1000;

interface ColumnRow {
  name: string;
  type: string;
}

export interface PgvectorFilteredOptions {
  readonly session: SqlSession;
  readonly catalog: PgvectorCatalog;
  readonly index: PgvectorIndex;
  /** The vector dimension, once the source has read it. */
  readonly dimension: () => Promise<number>;
  readonly target: string;
  /** Runs each engine call so that driver errors name the store (the source's guard). */
  readonly guard: <T>(action: string, work: () => Promise<T>) => Promise<T>;
}

/**
 * Filtered search on a pgvector table: `WHERE column OP $n` with the values bound as parameters
 * (cast by Postgres to the column's own type), the planner free to choose its plan as the
 * application's query would (only sequential scans discouraged, as in the unfiltered audit), and
 * exact answers from one pass over the matching rows.
 */
export function pgvectorFilteredSearch(options: PgvectorFilteredOptions): FilteredSearch {
  const { session, catalog, index, target, guard } = options;
  let columns: Promise<ColumnRow[]> | undefined;
  const tableColumns = (): Promise<ColumnRow[]> =>
    (columns ??= guard('read the table columns', () =>
      session.query<ColumnRow>('SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum', [catalog.oid]),
    ));
  const condition = async (filter: FilterSpec, first: number): Promise<ScanFilter> => {
    const column = (await tableColumns()).find((candidate) => candidate.name === filter.column);
    if (!column || column.name === catalog.column.name) {
      const names = (await tableColumns()).filter((candidate) => candidate.name !== catalog.column.name).map((candidate) => candidate.name);
      throw new UsageError(`--filter '${filter.text}': table ${catalog.tableName} has no column ${filter.column}`, { where: target, hint: `filter on one of its columns: ${names.join(', ')}` });
    }
    return filterCondition(filter, column, first);
  };
  const run = async <T>(filter: FilterSpec, work: () => Promise<T>): Promise<T> => {
    try {
      return await guard('run a filtered search', work);
    } catch (error) {
      // A value the column's type rejects ('abc' for an integer) is the user's input, not a store failure.
      const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code;
      if (code === '22P02' || code === '22003' || code === '42883' || code === '22007') {
        throw new UsageError(`--filter '${filter.text}': ${(error as Error).message}`, { where: target, hint: "give values of the column's type" });
      }
      throw error;
    }
  };

  return {
    remedies: remediesFor(catalog, index),
    ...(iterativeScans(catalog)
      ? {}
      : {
          remedyNote: `pgvector ${catalog.extensionVersion} has no iterative index scans (0.8 added hnsw.iterative_scan / ivfflat.iterative_scan, which keep scanning until a filtered query has its LIMIT): only ef_search/probes were tried`,
        }),
    async columns() {
      await options.dimension();
      const candidates = (await tableColumns()).filter((column) => SCALAR_TYPES[column.type] && column.name !== catalog.column.name && column.name !== catalog.key.name);
      const found: FilterColumn[] = [];
      for (const column of candidates.slice(0, DISCOVERY_MAX_COLUMNS)) {
        // A cheap look at the first rows first: a document or free-text column is skipped without aggregating the whole table.
        const [probe] = await guard('count filter values', () =>
          readOnlyTransaction(session, () =>
            session.query<{ n: unknown }>(
              `SELECT count(*) AS n FROM (SELECT DISTINCT v FROM (SELECT ${quoteIdent(column.name)} AS v FROM ${catalog.relation} WHERE ${quoteIdent(column.name)} IS NOT NULL LIMIT ${DISCOVERY_PROBE_ROWS}) s) d`,
            ),
          ),
        );
        if (toCount(probe?.n) > DISCOVERY_MAX_DISTINCT) {
          found.push({ name: column.name, kind: SCALAR_TYPES[column.type] as FilterColumn['kind'], distinct: toCount(probe?.n), rows: 0, values: [] });
          continue;
        }
        const rows = await guard('count filter values', () =>
          readOnlyTransaction(session, () =>
            session.query<{ v: unknown; n: unknown }>(
              `SELECT ${quoteIdent(column.name)} AS v, count(*) AS n FROM ${catalog.relation} WHERE ${catalog.column.sql} IS NOT NULL AND ${quoteIdent(column.name)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${DISCOVERY_MAX_DISTINCT + 1}`,
            ),
          ),
        );
        const kind = SCALAR_TYPES[column.type] as FilterColumn['kind'];
        const values = rows.map((row) => ({ value: scalarValue(row.v, kind), rows: toCount(row.n) }));
        found.push({ name: column.name, kind, distinct: values.length, rows: values.reduce((sum, value) => sum + value.rows, 0), values });
      }
      return found;
    },
    async count(filter) {
      const where = await condition(filter, 1);
      return run(filter, async () => {
        const [row] = await readOnlyTransaction(session, () => session.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${catalog.relation} WHERE ${catalog.column.sql} IS NOT NULL AND (${where.sql})`, where.params));
        return toCount(row?.n);
      });
    },
    async sampleVectors(filter, count, seed) {
      const dim = await options.dimension();
      const where = await condition(filter, 2);
      // md5 of key and seed: a fixed pseudo-random order, the same rows run after run.
      const rows = await run(filter, () =>
        readOnlyTransaction(session, () =>
          session.query<{ v: string }>(
            `SELECT ${catalog.column.sql}::text AS v FROM ${catalog.relation} WHERE ${catalog.column.sql} IS NOT NULL AND (${where.sql}) ORDER BY md5(${catalog.key.sql}::text || $1::text) LIMIT ${Math.max(0, Math.floor(count))}`,
            [String(seed), ...where.params],
          ),
        ),
      );
      const data = new Float32Array(rows.length * dim);
      let kept = 0;
      for (const row of rows) {
        const vector = parseVectorText(row.v, catalog.column.type);
        if (vector?.length === dim && vector.some((value) => value !== 0)) data.set(vector, kept++ * dim);
      }
      return { data: data.subarray(0, kept * dim), count: kept };
    },
    async search(request) {
      const dim = await options.dimension();
      if (request.exact) {
        const where = await condition(request.filter, 1);
        return run(request.filter, () => exactSearchByScan(session, catalog, { index, metric: index.distance.metric as Metric, dim, totalRows: Number.POSITIVE_INFINITY, filter: where }, request));
      }
      const where = await condition(request.filter, 2);
      return run(request.filter, () => indexSearch({ session, catalog, index, dim, request, where }));
    },
  };
}

interface IndexSearch {
  readonly session: SqlSession;
  readonly catalog: PgvectorCatalog;
  readonly index: PgvectorIndex;
  readonly dim: number;
  readonly request: FilteredSearchRequest;
  readonly where: ScanFilter;
}

/** The application's filtered query, query by query, with the remedy's settings local to the transaction. */
async function indexSearch({ session, catalog, index, dim, request, where }: IndexSearch): Promise<FilteredSearchResult> {
  const schema = catalog.extensionSchema;
  const sql = `SELECT ${catalog.key.sql}::text AS id FROM ${catalog.relation} WHERE (${where.sql}) ORDER BY ${index.orderExpression} OPERATOR(${schema}.${index.distance.operator}) $1::${schema}.${index.storedType} LIMIT ${Math.max(1, Math.floor(request.k))}`;
  return readOnlyTransaction(session, async () => {
    // As in the unfiltered audit: a tiny table's sequential scan would hide the index. Other plans (a btree on the filter column, a partial index) stay open, as for the application.
    const settings: Record<string, string> = { enable_seqscan: 'off' };
    for (const [name, value] of Object.entries(request.settings ?? {})) settings[name] = String(value);
    for (const [name, value] of Object.entries(settings)) await session.query('SELECT set_config($1, $2, true)', [name, value]);
    const ids: string[][] = [];
    const started = performance.now();
    let usesIndex: boolean | undefined;
    for (let q = 0; q < request.count && !stopForDeadline(request, q, started); q++) {
      const vector = formatVectorText(request.queries.subarray(q * dim, (q + 1) * dim), index.storedType);
      if (q === 0) {
        const plan = await session.query<Record<string, string>>(`EXPLAIN ${sql}`, [vector, ...where.params]);
        usesIndex = plan.some((line) => Object.values(line).some((text) => /Index (Only )?Scan/.test(text) && catalog.indexes.some((candidate) => text.includes(candidate.name))));
      }
      const rows = await session.query<{ id: string }>(sql, [vector, ...where.params]);
      ids.push(rows.map((row) => row.id));
    }
    return { ids, ...(usesIndex === undefined ? {} : { usesIndex }) };
  });
}

/** `column OP $first…`: the values bound, cast by Postgres to the column's type (an identifier from the catalog, never from the user). */
function filterCondition(filter: FilterSpec, column: ColumnRow, first: number): ScanFilter {
  const name = quoteIdent(column.name);
  const params = filter.values.map(String);
  if (filter.operator === 'IN') return { sql: `${name} = ANY($${first}::${column.type}[])`, params: [params] };
  const operator = filter.operator === '!=' ? '<>' : filter.operator;
  return { sql: `${name} ${operator} $${first}::${column.type}`, params };
}

function scalarValue(value: unknown, kind: FilterColumn['kind']): string | number | boolean {
  if (kind === 'boolean') return value === true || value === 't' || value === 'true';
  if (kind === 'number') {
    const number = typeof value === 'bigint' ? Number(value) : Number(value);
    return Number.isSafeInteger(number) || (Number.isFinite(number) && !Number.isInteger(number)) ? number : String(value);
  }
  return String(value);
}

function iterativeScans(catalog: PgvectorCatalog): boolean {
  const [major = 0, minor = 0] = catalog.extensionVersion.split('.').map(Number);
  return major > 0 || minor >= 8;
}

/**
 * What to try, cheapest first: iterative scans (0.8+), which keep walking the index until the
 * LIMIT is filled, then a wider search. Each is a session setting the application can SET.
 */
function remediesFor(catalog: PgvectorCatalog, index: PgvectorIndex): SearchRemedy[] {
  const iterative = iterativeScans(catalog);
  if (index.method === 'hnsw') {
    const ef = catalog.settings.efSearch;
    const wider = Math.min(EF_SEARCH_MAX, Math.max(200, ef * 5));
    return [
      ...(iterative
        ? [
            { label: 'hnsw.iterative_scan = relaxed_order', settings: { 'hnsw.iterative_scan': 'relaxed_order' } },
            { label: 'hnsw.iterative_scan = strict_order', settings: { 'hnsw.iterative_scan': 'strict_order' } },
            {
              label: `hnsw.iterative_scan = relaxed_order, hnsw.max_scan_tuples = ${HNSW_MAX_SCAN_TUPLES_DEFAULT * 10}, hnsw.ef_search = ${wider}`,
              settings: { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.max_scan_tuples': HNSW_MAX_SCAN_TUPLES_DEFAULT * 10, 'hnsw.ef_search': wider },
            },
          ]
        : []),
      ...[...new Set([wider, EF_SEARCH_MAX])].filter((value) => value > ef).map((value) => ({ label: `hnsw.ef_search = ${value}`, settings: { 'hnsw.ef_search': value } })),
    ];
  }
  const probes = catalog.settings.probes;
  const lists = Math.max(1, index.options.lists ?? 1);
  const more = [...new Set([probes * 4, probes * 16].map((value) => Math.min(lists, value)))].filter((value) => value > probes);
  return [
    ...(iterative
      ? [
          { label: 'ivfflat.iterative_scan = relaxed_order', settings: { 'ivfflat.iterative_scan': 'relaxed_order' } },
          { label: `ivfflat.iterative_scan = relaxed_order, ivfflat.max_probes = ${lists}`, settings: { 'ivfflat.iterative_scan': 'relaxed_order', 'ivfflat.max_probes': lists } },
        ]
      : []),
    ...more.map((value) => ({ label: `ivfflat.probes = ${value}`, settings: { 'ivfflat.probes': value } })),
  ];
}
