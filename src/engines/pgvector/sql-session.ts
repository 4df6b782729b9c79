/**
 * The little the pgvector source needs from a Postgres connection, so the same code runs over the
 * wire (node-postgres) and in-process (PGlite). Every statement runs in a read-only session.
 */
export interface SqlSession {
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/**
 * Statements run once per session: every transaction read-only (a write fails instead of
 * happening), named so a DBA sees who is reading, and bounded: the slowest statement we send (one
 * aggregate over a table within the pushdown budget) takes seconds, so 15 minutes means a stuck
 * server, not a slow one.
 */
export const SESSION_SETUP = ['SET default_transaction_read_only = on', "SET application_name = 'vectorclinic'", "SET statement_timeout = '15min'"];

/**
 * A rebuild's session: read-write (said explicitly: a pooled or shared session may carry a reader's
 * setting), named, and waiting at most 30 s for a lock (a busy table is an error, not a hang).
 */
export const WRITER_SETUP = ['SET default_transaction_read_only = off', "SET application_name = 'vectorclinic rebuild'", "SET lock_timeout = '30s'"];

/**
 * Run `work` in one read-only transaction that is always rolled back: SET LOCAL settings
 * (ef_search, probes, enable_indexscan) end with it and nothing it does can persist.
 */
export async function readOnlyTransaction<T>(session: SqlSession, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN TRANSACTION READ ONLY');
  try {
    return await work();
  } finally {
    // A failed ROLLBACK means the connection is gone; the caller already has that error (or the result).
    await session.query('ROLLBACK').catch(() => undefined);
  }
}

/** Double-quote an identifier for SQL text (table and column names cannot be bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A count from Postgres: bigint arrives as a string over the wire and as a number from PGlite. */
export function toCount(value: unknown): number {
  const number = typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
  return Number.isFinite(number) ? number : 0;
}
