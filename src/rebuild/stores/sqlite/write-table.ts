import type { Metric } from '../../../core/policy.js';
import { StoreError, UsageError } from '../../../errors.js';
import { splitTopLevel, type SqliteCatalog, type SqliteVectorKind } from '../../../engines/sqlite/catalog.js';
import type { SqliteSession } from '../../../engines/sqlite/session.js';
import { doubleQuote } from '../../../engines/sql/dialect.js';
import type { IndexType, RebuildOptions } from '../../types.js';

/** The metric names sqlite-vec's distance_metric and libsql's index metric option take (neither has inner product). */
const ENGINE_METRICS: Readonly<Partial<Record<Metric, string>>> = { cosine: 'cosine', l2: 'l2' };

/**
 * Refuse what the layout cannot do: vec0 and plain BLOB columns have no ANN index (vec0's KNN is an
 * exact scan), and neither vec0 nor libsql's index ranks by inner product.
 */
export function assertLayoutFits(kind: SqliteVectorKind, type: IndexType, metric: Metric, shown: string): void {
  if (type !== 'hnsw' && type !== 'flat') {
    throw new UsageError(`SQLite cannot build a ${type} index`, {
      where: '--index',
      hint: 'SQLite builds: hnsw (libsql_vector_idx, a DiskANN graph, on F32_BLOB columns), flat (exact scans: vec0 KNN, or no index)',
    });
  }
  if (type === 'hnsw' && kind !== 'f32-blob') {
    throw new UsageError(`a ${kind === 'vec0' ? 'vec0 table' : 'plain BLOB column'} has no ANN index${kind === 'vec0' ? ' (its KNN is an exact scan)' : ''}`, {
      where: shown,
      hint: kind === 'vec0' ? 'rebuild it with --index flat, or into a new F32_BLOB table (&layout=f32_blob) for libsql_vector_idx' : 'rebuild with --index flat, or into a new table with &layout=f32_blob',
    });
  }
  const needsMetric = kind === 'vec0' || type === 'hnsw';
  if (needsMetric && !ENGINE_METRICS[metric]) {
    throw new UsageError(`${kind === 'vec0' ? "sqlite-vec's vec0" : "libsql's vector index"} cannot rank by ${metric}`, {
      where: '--metric',
      hint: 'rebuild for cosine or l2 (normalized vectors rank the same under cosine as under ip), or into a plain table with --index flat',
    });
  }
}

/**
 * libsql_vector_idx options: the metric, and only the HNSW knobs asked for (--m, --ef-construction, --ef-search) mapped
 * onto DiskANN's (degree 2·M as HNSW's bottom layer, list sizes ef). Otherwise libsql's own defaults: HNSW's
 * (64 neighbours, lists of 200) made a 20k × 128 build take 15 min.
 */
export function libsqlIndexOptions(asked: RebuildOptions['hnsw'], metric: Metric): Record<string, string | number> {
  return {
    metric: ENGINE_METRICS[metric] as string,
    ...(asked?.M ? { max_neighbors: 2 * asked.M } : {}),
    ...(asked?.efConstruction ? { insert_l: asked.efConstruction } : {}),
    ...(asked?.efSearch ? { search_l: asked.efSearch } : {}),
  };
}

export function createLibsqlIndexStatement(table: string, column: string, indexName: string, options: Record<string, string | number>): string {
  const list = Object.entries(options).map(([key, value]) => `, '${key}=${value}'`);
  return `CREATE INDEX ${doubleQuote(indexName)} ON ${doubleQuote(table)}(libsql_vector_idx(${doubleQuote(column)}${list.join('')}))`;
}

/** Every libsql vector index over this column (a rebuild drops them all and builds the one it plans). */
export async function libsqlIndexesOn(session: SqliteSession, table: string, column: string): Promise<string[]> {
  const rows = await session.query<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql LIKE '%libsql_vector_idx%'", [table]);
  const mentions = (sql: string): boolean => {
    const inner = /libsql_vector_idx\s*\(\s*("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^,\s)]+)/i.exec(sql)?.[1] ?? '';
    return inner.replace(/^["`[]|["`\]]$/g, '').replace(/""/g, '"') === column;
  };
  return rows.filter((row) => mentions(row.sql)).map((row) => row.name);
}

/** A vec0 declaration with the vector column's distance_metric set to `metric`. */
export function vec0DeclarationFor(sql: string, column: string, metric: Metric): string {
  const open = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  const parts = splitTopLevel(sql.slice(open + 1, close)).map((part) => {
    const text = part.trim();
    const name = /^("[^"]+"|`[^`]+`|\[[^\]]+\]|\w+)/.exec(text)?.[1]?.replace(/^["`[]|["`\]]$/g, '');
    if (name !== column || !/\b(?:float|f32)\s*\[/i.test(text)) return text;
    const stripped = text.replace(/\s+distance_metric\s*=\s*['"]?\w+['"]?/i, '');
    return `${stripped} distance_metric=${ENGINE_METRICS[metric]}`;
  });
  return `${sql.slice(0, open + 1)}${parts.join(', ')})`;
}

/**
 * Give a vec0 table another distance_metric. vec0 cannot be renamed (its shadow tables keep the
 * old name and the table then crashes the process), so the rows go to a temporary copy, the table
 * is dropped and declared again under its own name, and the rows come back: all inside the
 * caller's transaction, so a crash leaves the old table.
 */
export async function redeclareVec0(session: SqliteSession, catalog: SqliteCatalog, metric: Metric): Promise<void> {
  const [row] = await session.query<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [catalog.column.table]);
  if (!row) throw new StoreError(`table ${catalog.column.table} vanished during the rebuild`, { where: catalog.column.table });
  const columns = (await session.query<{ name: string }>('SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0', [catalog.column.table])).map((c) => doubleQuote(c.name));
  const list = columns.join(', ');
  session.run(`CREATE TEMP TABLE vectorclinic_vec0_copy AS SELECT ${list} FROM ${catalog.relation}`);
  session.run(`DROP TABLE ${catalog.relation}`);
  session.run(vec0DeclarationFor(row.sql, catalog.column.column, metric));
  session.run(`INSERT INTO ${catalog.relation}(${list}) SELECT ${list} FROM temp.vectorclinic_vec0_copy`);
  session.run('DROP TABLE temp.vectorclinic_vec0_copy');
}
