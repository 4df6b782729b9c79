import { resolve } from 'node:path';
import { UsageError } from '../../../errors.js';
import { openSqliteFile, type SqliteSession } from '../../../engines/sqlite/session.js';
import { parsePathUrl, schemeOf } from '../../../engines/store-url.js';

/** How a new table holds its vectors: sqlite-vec vec0, libsql F32_BLOB (with libsql_vector_idx for --index hnsw), plain float32 BLOB. */
export const SQLITE_LAYOUTS = ['vec0', 'f32_blob', 'blob'] as const;
export type SqliteLayoutName = (typeof SQLITE_LAYOUTS)[number];

/** The vector column a rebuild writes into a new table when the URL names none. */
export const DEFAULT_SQLITE_COLUMN = 'embedding';

/** A SQLite table a rebuild writes: sqlite://PATH?table=T[&column=C][&layout=vec0|f32_blob|blob]. */
export interface SqliteOut {
  readonly shown: string;
  readonly path: string;
  readonly table: string;
  /** The column named in the URL (in place: the source's column is used when absent). */
  readonly column?: string;
  /** The layout asked for a new table (in place, the table keeps its own). */
  readonly layout?: SqliteLayoutName;
  readonly identity: string;
  /** The URL that reads the table back (without the write-only &layout=). */
  readonly readTarget: string;
  /** A read-write connection (sqlite-vec loaded); `create` makes a missing file a new database. */
  open(create: boolean): Promise<SqliteSession>;
}

export function parseSqliteOut(target: string): SqliteOut | undefined {
  if (schemeOf(target) !== 'sqlite') return undefined;
  const { path, params, shown } = parsePathUrl(target, 'sqlite');
  params.expectOnly(['table', 'column', 'layout']);
  const table = params.get('table');
  if (!table) throw new UsageError('name the table to write with ?table=', { where: shown, hint: 'e.g. sqlite://./app.db?table=items (the table is rebuilt in place when it is also the source)' });
  const column = params.get('column') ?? undefined;
  const layout = params.get('layout') ?? undefined;
  if (layout !== undefined && !(SQLITE_LAYOUTS as readonly string[]).includes(layout)) {
    throw new UsageError(`unknown layout '${layout}'`, { where: shown, hint: `one of ${SQLITE_LAYOUTS.join(', ')} (vec0: sqlite-vec; f32_blob: libsql F32_BLOB; blob: plain float32 BLOB)` });
  }
  return {
    shown,
    path,
    table,
    ...(column ? { column } : {}),
    ...(layout ? { layout: layout as SqliteLayoutName } : {}),
    identity: `sqlite://${resolve(path)}#${table}`,
    readTarget: target.replace(/([?&])layout=[^&#]*&?/, '$1').replace(/[?&]$/, ''),
    open: (create) => openSqliteFile(path, { shown, write: true, loadVec: true, create }),
  };
}

/** The identity of a sqlite:// source URL (table as named), or undefined for anything else. */
export function sqliteSourceIdentity(source: string): string | undefined {
  if (schemeOf(source) !== 'sqlite') return undefined;
  try {
    const { path, params } = parsePathUrl(source, 'sqlite');
    const table = params.get('table');
    return table ? `sqlite://${resolve(path)}#${table}` : undefined;
  } catch {
    return undefined;
  }
}
