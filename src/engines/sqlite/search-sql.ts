import type { Metric } from '../../core/policy.js';
import type { SqliteCatalog } from './catalog.js';
import { sameDimension } from './vector-sql.js';

/** libsql's distance function for an index metric (cosine is libsql's default). */
export function distanceFunction(metric: Metric | 'other'): string | undefined {
  if (metric === 'cosine') return 'vector_distance_cos';
  if (metric === 'l2') return 'vector_distance_l2';
  return undefined;
}

/** The key rows are ordered and named by: the table's id column, else its rowid. */
export function keySql(catalog: SqliteCatalog): string {
  const key = catalog.column.keyColumn;
  return key ? `"${key.replace(/"/g, '""')}"` : 'rowid';
}

/**
 * Top-k through a libsql vector index (DiskANN): ?1 the query blob, ?2 k. The index answers in rowids; a table keyed
 * by another column maps them to its keys (CROSS JOIN keeps SQLite's loop order, so the ranking stays).
 */
export function indexSearchStatement(indexName: string, catalog?: SqliteCatalog): string {
  const topK = `vector_top_k('${indexName.replace(/'/g, "''")}', ?1, ?2)`;
  if (catalog?.column.keyIsRowid !== false) return `SELECT CAST(id AS TEXT) AS id FROM ${topK}`;
  return `SELECT CAST(t.${keySql(catalog)} AS TEXT) AS id FROM ${topK} AS v CROSS JOIN ${catalog.relation} AS t ON t.rowid = v.id`;
}

/**
 * The exact top-k: every row of the checked dimension ordered by the index's distance (rows whose
 * distance is undefined — zero or NaN vectors under cosine — last). ?1 the query blob, ?2 k.
 */
export function exactSearchStatement(catalog: SqliteCatalog, distance: string, dim: number, id = 'rowid'): string {
  const column = catalog.columnSql;
  const d = `${distance}(${column}, ?1)`;
  return `SELECT CAST(${id} AS TEXT) AS id FROM ${catalog.relation} WHERE ${sameDimension(column, dim)} ORDER BY ${d} IS NULL, ${d} LIMIT ?2`;
}

/** sqlite-vec's KNN (an exact brute-force scan): ?1 the query blob, ?2 k. Answers in the table's key, with the distance. */
export function vec0KnnStatement(catalog: SqliteCatalog, key: string): string {
  return `SELECT CAST(${key} AS TEXT) AS id, distance FROM ${catalog.relation} WHERE ${catalog.columnSql} MATCH ?1 AND k = ?2`;
}

/** sqlite-vec's largest k for a KNN query. */
export const VEC0_MAX_K = 4096;
