import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { DuckdbDriver } from './driver.js';

/** DuckDB's standard vector size: one appended chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/** Rows for an existing table whose columns are, in order: key, vector FLOAT[dim], then the optional lists. */
export interface AppendedRows {
  readonly schema?: string;
  readonly table: string;
  /** BIGINT keys (row numbers, rowids) or VARCHAR keys (document ids). */
  readonly keys: readonly bigint[] | readonly string[];
  readonly data: Float32Array;
  readonly dim: number;
  /** A VARCHAR[] column after the vector (a rebuild's aliases of folded near-duplicates). */
  readonly lists?: readonly (readonly string[])[] | undefined;
}

/**
 * Append rows through DuckDB's appender one data chunk at a time, the vectors copied into the
 * chunk's float buffer in one call: about 40 times faster than appending each vector as a list of
 * JS numbers (measured: 20k × 128 rows in 0.11 s against 4.2 s).
 */
export async function appendRows(driver: DuckdbDriver, connection: DuckDBConnection, rows: AppendedRows): Promise<void> {
  const { keys, data, dim } = rows;
  const keyType = typeof keys[0] === 'string' ? driver.VARCHAR : driver.BIGINT;
  const vectorType = driver.ARRAY(driver.FLOAT, dim);
  const types = rows.lists ? [keyType, vectorType, driver.LIST(driver.VARCHAR)] : [keyType, vectorType];
  const appender = await connection.createAppender(rows.table, rows.schema ?? null);
  try {
    for (let start = 0; start < keys.length; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, keys.length - start);
      const chunk = driver.DuckDBDataChunk.create(types, count);
      chunk.setColumnValues(0, keys.slice(start, start + count) as bigint[] | string[]);
      fillVectors(driver, chunk, data.subarray(start * dim, (start + count) * dim), dim);
      if (rows.lists)
        chunk.setColumnValues(
          2,
          rows.lists.slice(start, start + count).map((list) => driver.listValue([...list])),
        );
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** The vectors into column 1 (FLOAT[dim]): straight into the child float buffer where the driver exposes it. */
function fillVectors(driver: DuckdbDriver, chunk: DuckDBDataChunk, values: Float32Array, dim: number): void {
  const column = chunk.getColumnVector(1);
  const child = (column as unknown as { childData?: DuckDBVector & { items?: unknown } }).childData;
  if (child && child.items instanceof Float32Array && child.items.length === values.length) {
    child.items.set(values);
    child.flush();
    return;
  }
  // Another driver layout: one array value per row (slower, same result).
  const rows = values.length / dim;
  chunk.setColumnValues(
    1,
    Array.from({ length: rows }, (_, row) => driver.arrayValue(Array.from(values.subarray(row * dim, (row + 1) * dim)))),
  );
}
