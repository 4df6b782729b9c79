import { doubleQuote } from '../sql/dialect.js';
import type { SqlRunner } from '../sql/session.js';

/**
 * SQLite has no comments on columns (where pgvector keeps its manifest): a rebuild records the
 * policy manifest in this table of the same file, in the same transaction as the rows it describes,
 * one row per vector column. Any client can read it; nothing else uses it.
 */
export const MANIFEST_TABLE = 'vectorclinic_manifest';

export const CREATE_MANIFEST_TABLE = `CREATE TABLE IF NOT EXISTS ${MANIFEST_TABLE} (table_name TEXT NOT NULL, column_name TEXT NOT NULL, manifest TEXT NOT NULL, PRIMARY KEY (table_name, column_name))`;

/** Insert or replace: ?1 table, ?2 column, ?3 the encoded manifest. */
export const WRITE_MANIFEST = `INSERT OR REPLACE INTO ${MANIFEST_TABLE} (table_name, column_name, manifest) VALUES (?1, ?2, ?3)`;

/** Where the manifest of table.column lives, for messages. */
export function manifestPlace(table: string, column: string): string {
  return `${MANIFEST_TABLE} row (${table}, ${column})`;
}

/** The encoded manifest of table.column, or undefined (no manifest table, or no row for it). */
export async function readManifestText(runner: SqlRunner, table: string, column: string): Promise<string | undefined> {
  const exists = await runner.query<{ n: unknown }>("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = ?1", [MANIFEST_TABLE]);
  if (exists.length === 0) return undefined;
  const rows = await runner.query<{ manifest: string }>(`SELECT manifest FROM ${doubleQuote(MANIFEST_TABLE)} WHERE table_name = ?1 AND column_name = ?2`, [table, column]);
  return rows[0]?.manifest;
}
