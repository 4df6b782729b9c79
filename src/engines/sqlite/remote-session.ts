import { UsageError } from '../../errors.js';
import { loadDriver } from '../drivers.js';
import { keyedScanStatement, type KeyedScan, type SqliteReader } from './session.js';

/** The calls we make on an `@libsql/client` Client (and on one of its transactions). */
interface ResultSetLike {
  readonly columns: readonly string[];
  readonly rows: ArrayLike<ArrayLike<unknown>>;
}
interface StatementLike {
  readonly sql: string;
  readonly args: unknown[];
}
interface TransactionLike {
  execute(statement: StatementLike): Promise<ResultSetLike>;
  rollback(): Promise<void>;
  close(): void;
}
export interface LibsqlClientLike {
  batch(statements: StatementLike[], mode: 'read'): Promise<ResultSetLike[]>;
  transaction(mode: 'read'): Promise<TransactionLike>;
  close(): void;
}

/** Only these statements are ever sent: a query that starts with SELECT (comments and blanks before it allowed). */
const SELECT_ONLY = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*SELECT\b/i;

/**
 * A libsql server (Turso, sqld) read through `@libsql/client`: the same statements the local
 * SqliteSession runs, sent over the network. Read-only twice: this class refuses any statement that
 * is not a SELECT, and every statement runs inside a READONLY transaction the server enforces.
 * Scans page by key (`key > last LIMIT n`): each page is one statement, so a scan sees every row
 * that exists from its start to its end exactly once; rows written meanwhile may or may not appear.
 */
export class LibsqlRemoteSession implements SqliteReader {
  /** sqlite-vec cannot be loaded into a server: vec0 tables are unreadable here. */
  readonly vecLoaded = false;
  private transaction?: TransactionLike;
  private closed = false;

  constructor(private readonly client: LibsqlClientLike) {}

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    assertSelect(sql);
    const statement = { sql, args: params.map(toArg) };
    const result = this.transaction ? await this.transaction.execute(statement) : (await this.client.batch([statement], 'read'))[0];
    return result ? plainRows<Row>(result) : [];
  }

  /** Statements inside `work` share one server-side READONLY transaction (one snapshot), rolled back after. */
  async snapshot<T>(work: () => Promise<T>): Promise<T> {
    if (this.transaction) return work();
    const transaction = await this.client.transaction('read');
    this.transaction = transaction;
    try {
      return await work();
    } finally {
      this.transaction = undefined;
      try {
        await transaction.rollback();
      } catch {
        // The stream may already be gone: nothing was written in it.
      }
      transaction.close();
    }
  }

  async *pages<Row extends object>(scan: KeyedScan): AsyncIterable<Array<Row & { k: unknown }>> {
    let last: unknown;
    for (let first = true; ; first = false) {
      const page = await this.query<Row & { k: unknown }>(keyedScanStatement(scan, { after: !first, limit: true }), first ? [] : [last]);
      if (page.length === 0) return;
      yield page;
      if (page.length < scan.batch) return;
      last = (page[page.length - 1] as { k: unknown }).k;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

/** Refuse anything but a SELECT: this session reads a user's live database. */
export function assertSelect(sql: string): void {
  if (!SELECT_ONLY.test(sql))
    throw new UsageError('a remote libsql session sends only SELECT statements', { where: sql.trim().split(/\s+/).slice(0, 3).join(' '), hint: 'this is a bug in vectorclinic: please report it' });
}

/** Bind values as the client takes them: blobs as Uint8Array (a Buffer is one). */
function toArg(value: unknown): unknown {
  return value === undefined ? null : value;
}

/**
 * Result rows as plain objects, with the local driver's value types: integers in the safe range as
 * numbers (larger ones stay bigint, exact: a keyset page must bind the key back unchanged), blobs as
 * the ArrayBuffer the client gives (blobVector reads both).
 */
function plainRows<Row extends object>(result: ResultSetLike): Row[] {
  const rows: Row[] = [];
  for (let r = 0; r < result.rows.length; r++) {
    const values = result.rows[r] as ArrayLike<unknown>;
    const row: Record<string, unknown> = {};
    result.columns.forEach((name, i) => {
      if (!(name in row)) row[name] = fromSql(values[i]);
    });
    rows.push(row as Row);
  }
  return rows;
}

function fromSql(value: unknown): unknown {
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return value;
}

export interface OpenLibsqlOptions {
  /** The URL the client opens: libsql://host[:port] (TLS), or file:PATH for a local copy (the client's own engine). */
  readonly clientUrl: string;
  readonly authToken?: string;
  /** Shown in every message (the redacted target). */
  readonly shown: string;
}

/** Open a client on `clientUrl` (lazily: the first statement connects) with integers read exactly. */
export async function openLibsqlClient(options: OpenLibsqlOptions): Promise<LibsqlRemoteSession> {
  const { createClient } = await loadDriver('@libsql/client', options.shown);
  const client = createClient({ url: options.clientUrl, intMode: 'bigint', authToken: options.authToken });
  return new LibsqlRemoteSession(client as unknown as LibsqlClientLike);
}
