import { InputError } from '../../../errors.js';
import type { PgvectorCatalog } from '../../../engines/pgvector/catalog.js';
import { BINARY_TYPES, VectorRowDecoder } from '../../../engines/pgvector/vector-binary.js';
import type { SqlSession } from '../../../engines/pgvector/sql-session.js';
import type { Rows } from '../../../core/rows.js';

/** Rows per FETCH, as the exact audit's scan (same wire format, same trade-off). */
const FETCH_ROWS = 2000;

export interface KeyedRows extends Rows {
  /** The table's key of each row, as text, in key order. */
  readonly keys: readonly string[];
  /** Rows whose vector is NULL: left as they are (nothing to index; they need embedding). */
  readonly nullRows: number;
  /** Keys of rows whose vector has another dimension (an untyped vector column): rejected. */
  readonly wrongDimension: readonly string[];
}

/**
 * Every (key, vector) of the table in key order, through a cursor in the caller's transaction (so
 * the rows read are the rows the rebuild then rewrites under its lock). Vectors travel in
 * pgvector's binary form.
 */
export async function readKeyedRows(session: SqlSession, catalog: PgvectorCatalog, dim: number): Promise<KeyedRows> {
  const { relation, key, column, extensionSchema: schema } = catalog;
  const binary = BINARY_TYPES[column.type];
  if (!binary) throw new InputError(`a ${column.type} column cannot be rebuilt in place`, { where: catalog.tableName, hint: 'rebuild from an export of the vectors into a new vector or halfvec table' });
  const total = Number((await session.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${relation} WHERE ${column.sql} IS NOT NULL`))[0]?.n ?? 0);
  const nullRows = Number((await session.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${relation} WHERE ${column.sql} IS NULL`))[0]?.n ?? 0);
  const data = new Float32Array(total * dim);
  const keys: string[] = [];
  const wrongDimension: string[] = [];
  const decoder = new VectorRowDecoder({ type: column.type, dim });
  await session.query(
    `DECLARE vectorclinic_rebuild NO SCROLL CURSOR FOR SELECT ${key.sql}::text AS k, encode(${schema}.${column.type}_send(${column.sql}), 'base64') AS v FROM ${relation} WHERE ${column.sql} IS NOT NULL ORDER BY ${key.sql}`,
  );
  for (;;) {
    const rows = await session.query<{ k: string; v: string }>(`FETCH ${FETCH_ROWS} FROM vectorclinic_rebuild`);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (keys.length + wrongDimension.length >= total) throw new InputError('the table grew while it was read under lock', { where: catalog.tableName });
      if (decoder.decode(row.v, data, keys.length)) keys.push(row.k);
      else wrongDimension.push(row.k);
    }
  }
  await session.query('CLOSE vectorclinic_rebuild');
  return { data: data.subarray(0, keys.length * dim), count: keys.length, dim, keys, nullRows, wrongDimension };
}
