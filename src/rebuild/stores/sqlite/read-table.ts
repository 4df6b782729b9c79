import { InputError } from '../../../errors.js';
import type { SqliteCatalog } from '../../../engines/sqlite/catalog.js';
import { keySql } from '../../../engines/sqlite/search-sql.js';
import type { SqliteSession } from '../../../engines/sqlite/session.js';
import { blobVector } from '../../../engines/sqlite/vector-sql.js';
import type { KeyedRows } from '../pgvector/read-table.js';

/** A row key as SQLite wants it bound: integers as BigInt (rowids may pass 2^53), text as text. */
export type SqliteKey = bigint | string;

export interface SqliteKeyedRows extends KeyedRows {
  /** The bound form of each accepted-dimension row's key (same order as `keys`). */
  readonly bound: readonly SqliteKey[];
}

/**
 * Every (key, vector) of the table in key order, inside the caller's write transaction (so the rows
 * read are the rows the rebuild then rewrites: other writers wait). Blobs of another length, or
 * values that are not float32 blobs, are listed as wrong-dimension rows (rejected).
 */
export async function readSqliteKeyedRows(session: SqliteSession, catalog: SqliteCatalog, dim: number): Promise<SqliteKeyedRows> {
  const key = keySql(catalog);
  const { relation, columnSql } = catalog;
  const total = Number((await session.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${relation} WHERE ${columnSql} IS NOT NULL`))[0]?.n ?? 0);
  const nullRows = Number((await session.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${relation} WHERE ${columnSql} IS NULL`))[0]?.n ?? 0);
  const data = new Float32Array(total * dim);
  const keys: string[] = [];
  const bound: SqliteKey[] = [];
  const wrongDimension: string[] = [];
  for (const row of session.iterate<{ k: string; t: string; v: unknown }>(`SELECT CAST(${key} AS TEXT) AS k, typeof(${key}) AS t, ${columnSql} AS v FROM ${relation} WHERE ${columnSql} IS NOT NULL ORDER BY ${key}`)) {
    if (keys.length + wrongDimension.length >= total) throw new InputError('the table grew while it was read under lock', { where: catalog.column.table });
    const vector = blobVector(row.v);
    if (vector && vector.length === dim) {
      data.set(vector, keys.length * dim);
      keys.push(row.k);
      bound.push(row.t === 'integer' ? BigInt(row.k) : row.k);
    } else wrongDimension.push(row.k);
  }
  return { data: data.subarray(0, keys.length * dim), count: keys.length, dim, keys, bound, nullRows, wrongDimension };
}
