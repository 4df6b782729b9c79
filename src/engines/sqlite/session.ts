import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { loadDriver } from '../drivers.js';
import type { SqlRunner } from '../sql/session.js';

/** The calls we make on a libsql (better-sqlite3 compatible) connection. */
interface LibsqlStatement {
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  run(...params: unknown[]): unknown;
}
export interface LibsqlDatabase {
  prepare(sql: string): LibsqlStatement;
  exec(sql: string): unknown;
  loadExtension(path: string): unknown;
  close(): unknown;
  /** True inside BEGIN … COMMIT (better-sqlite3's property; libsql has it). */
  readonly inTransaction?: boolean;
}

/** A scan in key order, read in pages: `SELECT key AS k, select FROM relation WHERE where ORDER BY key`. */
export interface KeyedScan {
  /** The columns after the key (e.g. `"embedding" AS v`). */
  readonly select: string;
  readonly relation: string;
  /** The key expression rows are ordered by (rowid, an INTEGER PRIMARY KEY, a TEXT NOT NULL key). */
  readonly key: string;
  readonly where?: string;
  /** Rows per page. */
  readonly batch: number;
}

/**
 * What the SQLite source reads through, in process or over the network: statements, a read
 * snapshot, and scans in bounded pages (never the whole table in memory).
 */
export interface SqliteReader extends SqlRunner {
  /** True when sqlite-vec's functions and vec0 tables are available. */
  readonly vecLoaded: boolean;
  /** Pages of rows `{ k, …select }` in key order. */
  pages<Row extends object>(scan: KeyedScan): AsyncIterable<Array<Row & { k: unknown }>>;
  close(): Promise<void>;
}

/** The statement of a keyed scan; `after` adds the keyset condition `key > ?1` (a remote session's next page). */
export function keyedScanStatement(scan: KeyedScan, options: { after?: boolean; limit?: boolean } = {}): string {
  const conditions = [scan.where, options.after ? `${scan.key} > ?1` : undefined].filter((c) => c !== undefined);
  const where = conditions.length ? ` WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : '';
  return `SELECT ${scan.key} AS k, ${scan.select} FROM ${scan.relation}${where} ORDER BY ${scan.key}${options.limit ? ` LIMIT ${scan.batch}` : ''}`;
}

/** An open SQLite file: statements run through libsql, in process. */
export class SqliteSession implements SqliteReader {
  private closed = false;

  constructor(
    readonly db: LibsqlDatabase,
    /** True when sqlite-vec's functions and vec0 tables are available. */
    readonly vecLoaded: boolean,
  ) {}

  // Parameters always go as one array: libsql reads a lone Buffer argument as a list of byte values.
  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.db.prepare(sql).all([...params]) as Row[];
  }

  /** A statement that returns no rows (DDL, INSERT, UPDATE, DELETE): writers only. */
  run(sql: string, params: readonly unknown[] = []): void {
    this.db.prepare(sql).run([...params]);
  }

  /** Rows one at a time, without holding the result set (scans). */
  iterate<Row extends object>(sql: string, params: readonly unknown[] = []): IterableIterator<Row> {
    return this.db.prepare(sql).iterate([...params]) as IterableIterator<Row>;
  }

  /** One statement read row by row (a single statement is its own snapshot), handed out in pages. */
  async *pages<Row extends object>(scan: KeyedScan): AsyncIterable<Array<Row & { k: unknown }>> {
    const rows = this.iterate<Row & { k: unknown }>(keyedScanStatement(scan));
    try {
      for (;;) {
        const page: Array<Row & { k: unknown }> = [];
        for (let step = rows.next(); !step.done; step = rows.next()) {
          page.push(step.value);
          if (page.length >= scan.batch) break;
        }
        if (page.length === 0) return;
        yield page;
        if (page.length < scan.batch) return;
      }
    } finally {
      rows.return?.();
    }
  }

  /** One snapshot: a deferred read transaction, always rolled back (nothing in it could persist). */
  async snapshot<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN');
    try {
      return await work();
    } finally {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // Nothing to roll back: the caller already has its result or its error.
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export interface OpenSqliteOptions {
  /** Shown in every message (the redacted target). */
  readonly shown: string;
  /** Open read-write (rebuild --apply, guard); default read-only. */
  readonly write?: boolean;
  /** Load sqlite-vec (vec0 tables, vec_* functions); default: when the file has vec0 tables. */
  readonly loadVec?: boolean;
  /** With `write`: a missing file becomes a new database (a rebuild into a new file). */
  readonly create?: boolean;
}

/**
 * Open a SQLite file with libsql. Read-only is enforced by SQLite itself, twice: the file is opened
 * through a `file:` URI with `mode=ro` (libsql ignores better-sqlite3's `{ readonly: true }`: a DELETE
 * went through) and the connection sets `PRAGMA query_only`. A missing file is an error, never
 * a new empty database, unless a writer asks to `create` it.
 */
export async function openSqliteFile(path: string, options: OpenSqliteOptions): Promise<SqliteSession> {
  const absolute = resolve(path);
  let isFile = false;
  try {
    isFile = statSync(absolute).isFile();
  } catch {
    if (options.write && options.create) return openDatabase(absolute, options);
    throw new InputError(`no such SQLite file: ${path}`, { where: options.shown, hint: 'give the path of an existing database file: sqlite://./app.db?table=T (relative) or sqlite:///abs/app.db?table=T' });
  }
  if (!isFile) throw new InputError(`${path} is not a file`, { where: options.shown, hint: 'sqlite:// takes the path of a SQLite database file' });
  return openDatabase(absolute, options);
}

async function openDatabase(absolute: string, options: OpenSqliteOptions): Promise<SqliteSession> {
  const Database = (await loadDriver('libsql', options.shown)).default as unknown as new (path: string) => LibsqlDatabase;
  const db = new Database(options.write ? absolute : `file:${encodeURI(absolute).replace(/[?#]/g, encodeURIComponent)}?mode=ro`);
  try {
    if (!options.write) db.exec('PRAGMA query_only = 1');
    // A busy writer makes reads wait a little instead of failing at once.
    db.exec('PRAGMA busy_timeout = 5000');
    assertSqliteFile(db, options.shown);
    const wantVec = options.loadVec ?? hasVec0Tables(db);
    if (wantVec) {
      const { getLoadablePath } = await loadDriver('sqlite-vec', options.shown);
      db.loadExtension(getLoadablePath());
    }
    return new SqliteSession(db, wantVec);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A file that is not a database fails on the first read: say so plainly. */
function assertSqliteFile(db: LibsqlDatabase, shown: string): void {
  try {
    db.prepare('SELECT count(*) AS n FROM sqlite_master').all();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError(`not a SQLite database (${message})`, { where: shown, hint: 'sqlite:// takes a SQLite / libsql database file' });
  }
}

function hasVec0Tables(db: LibsqlDatabase): boolean {
  const rows = db.prepare("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING vec0%' LIMIT 1").all();
  return rows.length > 0;
}
