import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import { type AppendedRows, appendRows } from './append-rows.js';
import type { DuckdbDriver } from './driver.js';

export type { DuckdbDriver } from './driver.js';

/**
 * One DuckDB database opened for reading, and one connection to it. Extensions are never
 * downloaded or loaded behind the user's back (vss and httpfs are downloads: a check must work
 * offline and must not change what the engine can do between runs).
 */
export interface DuckdbSession {
  /** Every row of a small result, as objects keyed by column name (BIGINT as bigint). */
  rows<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** A large result in DuckDB's own chunks (2048 rows each), fetched one at a time: bounded memory. */
  chunks(sql: string, params?: readonly unknown[]): AsyncIterable<DuckDBDataChunk>;
  close(): Promise<void>;
}

/** Settings every session starts with: nothing is installed or loaded implicitly. */
const OFFLINE: Readonly<Record<string, string>> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };

/**
 * A database file opened READ_ONLY: DuckDB itself refuses every write (a check never changes the
 * file), and with external access off the SQL we send cannot read or write any other file.
 */
export async function openDuckdbReadOnly(driver: DuckdbDriver, path: string): Promise<DuckdbSession> {
  const instance = await driver.DuckDBInstance.create(path, { ...OFFLINE, access_mode: 'READ_ONLY', enable_external_access: 'false' });
  return sessionOver(instance);
}

/** A database session that may write: rows appended in DuckDB's own chunks, not one statement per row. */
export interface DuckdbWriteSession extends DuckdbSession {
  append(rows: AppendedRows): Promise<void>;
}

/**
 * A database file opened READ_WRITE (a rebuild or guard the user asked for), still offline and
 * without access to other files. DuckDB creates a missing file: callers look first.
 */
export async function openDuckdbReadWrite(driver: DuckdbDriver, path: string): Promise<DuckdbWriteSession> {
  const instance = await driver.DuckDBInstance.create(path, { ...OFFLINE, access_mode: 'READ_WRITE', enable_external_access: 'false' });
  const session = await sessionOver(instance);
  return { ...session, append: (rows) => appendRows(driver, session.connection, rows) };
}

/** An in-memory database that reads files through table functions (read_parquet). */
export async function openDuckdbInMemory(driver: DuckdbDriver): Promise<DuckdbSession> {
  const instance = await driver.DuckDBInstance.create(':memory:', OFFLINE);
  return sessionOver(instance);
}

async function sessionOver(instance: DuckDBInstance): Promise<DuckdbSession & { readonly connection: DuckDBConnection }> {
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (error) {
    instance.closeSync();
    throw error;
  }
  let closed = false;
  return {
    connection,
    async rows<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      const reader = await connection.runAndReadAll(sql, params as never);
      return reader.getRowObjects() as Row[];
    },
    async *chunks(sql: string, params?: readonly unknown[]): AsyncIterable<DuckDBDataChunk> {
      const result = await connection.stream(sql, params as never);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Identifiers are double-quoted as in the other SQL engines; counts read as the shared layer reads them. */
export { doubleQuote as quoteIdentifier } from '../sql/dialect.js';
export { toCount } from '../sql/session.js';

/** A SQL string literal in single quotes ('' escapes a quote). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
