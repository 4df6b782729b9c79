import type { DuckdbTableCatalog } from '../../../engines/duckdb/catalog.js';
import { toCount, type DuckdbSession } from '../../../engines/duckdb/session.js';
import { readVectorChunk, vectorScanColumns } from '../../../engines/duckdb/vector-chunk.js';
import type { KeyedRows } from '../pgvector/read-table.js';

/**
 * Every (rowid, vector) of the table in rowid order, read in the caller's transaction (the rowids
 * then name the same rows when the new table is written). A vector of another length is listed
 * as wrong-dimension; one holding a NULL value is read as NaN, which the guard rejects.
 */
export async function readDuckdbKeyedRows(session: DuckdbSession, catalog: DuckdbTableCatalog, dim: number): Promise<KeyedRows> {
  const { relation, column } = catalog;
  const [counted] = await session.rows<{ vectors: unknown; nulls: unknown }>(`SELECT count(${column.sql}) AS vectors, count(*) - count(${column.sql}) AS nulls FROM ${relation}`);
  const total = toCount(counted?.vectors);
  const data = new Float32Array(total * dim);
  const keys: string[] = [];
  const wrongDimension: string[] = [];
  for await (const chunk of session.chunks(`SELECT ${vectorScanColumns(column.sql, 'rowid')} FROM ${relation} WHERE ${column.sql} IS NOT NULL ORDER BY rowid`)) {
    const view = readVectorChunk(chunk);
    for (let i = 0; i < view.rows; i++) {
      const cell = view.cell(i);
      const key = view.name(i) as string;
      if (!cell || cell.length !== dim) {
        wrongDimension.push(key);
        continue;
      }
      const at = keys.length * dim;
      data.set(view.values.subarray(cell.offset, cell.offset + dim), at);
      if (cell.missing > 0) data.fill(Number.NaN, at, at + dim);
      keys.push(key);
    }
  }
  return { data: data.subarray(0, keys.length * dim), count: keys.length, dim, keys, nullRows: toCount(counted?.nulls), wrongDimension };
}
