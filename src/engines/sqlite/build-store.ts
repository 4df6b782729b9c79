import type { LibsqlDatabase } from './session.js';
import { vectorBlob } from './vector-sql.js';

export interface SqliteRows {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

/** How the vectors are stored: a sqlite-vec vec0 table, a libsql F32_BLOB column, or a plain BLOB column. */
export type SqliteLayout =
  | { readonly kind: 'vec0'; readonly metric?: 'cosine' | 'l2' | 'L1' }
  | { readonly kind: 'f32-blob'; readonly index?: { readonly metric?: 'cosine' | 'l2'; readonly buildBeforeData?: boolean; readonly options?: readonly string[] } }
  | { readonly kind: 'blob' };

export interface SqliteStoreSpec {
  readonly table: string;
  readonly column?: string;
  readonly vectors: SqliteRows;
  readonly layout: SqliteLayout;
  /** Rows whose vector is stored as NULL (plain tables only: vec0 has no NULL vectors). */
  readonly nullRows?: readonly number[];
  /** Rows (0-based) → another value to store instead of the vector (a ragged blob, text). */
  readonly replace?: ReadonlyMap<number, unknown>;
}

/**
 * Build a vector table in an open SQLite/libsql database: `id INTEGER PRIMARY KEY` (1-based) and the
 * vectors, in one transaction; the libsql index before or after the data. Used by the tests, the
 * benchmark and the rebuild writer's tests. vec0 tables need sqlite-vec loaded.
 */
export function buildSqliteStore(db: LibsqlDatabase, spec: SqliteStoreSpec): void {
  const column = spec.column ?? 'embedding';
  const { dim, count, data } = spec.vectors;
  const table = `"${spec.table.replace(/"/g, '""')}"`;
  const col = `"${column.replace(/"/g, '""')}"`;
  const { layout } = spec;
  const indexSql =
    layout.kind === 'f32-blob' && layout.index
      ? `CREATE INDEX "${spec.table}_idx" ON ${table}(libsql_vector_idx(${col}${[...(layout.index.metric ? [`metric=${layout.index.metric}`] : []), ...(layout.index.options ?? [])].map((o) => `, '${o}'`).join('')}))`
      : undefined;
  // vec0's declaration parser takes bare column names only.
  if (layout.kind === 'vec0' && !/^[A-Za-z_]\w*$/.test(column)) throw new Error(`vec0 column names must be plain identifiers, not '${column}'`);
  if (layout.kind === 'vec0') db.exec(`CREATE VIRTUAL TABLE ${table} USING vec0(id INTEGER PRIMARY KEY, ${column} float[${dim}]${layout.metric ? ` distance_metric=${layout.metric}` : ''})`);
  else db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, ${col} ${layout.kind === 'f32-blob' ? `F32_BLOB(${dim})` : 'BLOB'})`);
  if (indexSql && layout.kind === 'f32-blob' && layout.index?.buildBeforeData) db.exec(indexSql);
  const nulls = new Set(spec.nullRows ?? []);
  const insert = db.prepare(`INSERT INTO ${table}(id, ${col}) VALUES (?1, ?2)`);
  db.exec('BEGIN');
  try {
    for (let row = 0; row < count; row++) {
      const value = spec.replace?.has(row) ? spec.replace.get(row) : nulls.has(row) ? null : vectorBlob(data.subarray(row * dim, (row + 1) * dim));
      insert.run([BigInt(row + 1), value]);
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  if (indexSql && layout.kind === 'f32-blob' && !layout.index?.buildBeforeData) db.exec(indexSql);
}
