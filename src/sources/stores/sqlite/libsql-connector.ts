import type { Metric } from '../../../core/policy.js';
import { readSqliteCatalog } from '../../../engines/sqlite/catalog.js';
import { openLibsqlClient } from '../../../engines/sqlite/remote-session.js';
import { type LibsqlTarget, AUTH_TOKEN_ENV, parseLibsqlUrl } from '../../../engines/sqlite/remote-url.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { InputError, StoreError } from '../../../errors.js';
import type { StoreConnector } from '../../source.js';
import { SqliteSource } from './source.js';

/**
 * The first statement must answer within this long: a live server answers `SELECT 1` in well under a
 * second, so this means a host that accepts connections but is not serving (a proxy, a stopped server).
 */
export const LIBSQL_CONNECT_TIMEOUT_MS = 15_000;

/** libsql://HOST?table=T&column=C: a table on a libsql server (Turso, sqld), read over the network with SELECTs only. */
export const LIBSQL_CONNECTOR: StoreConnector = {
  schemes: ['libsql'],
  example: 'libsql://HOST?table=T&column=C',
  open: (target, options) => openLibsqlSource({ ...parseLibsqlUrl(target), metric: options.metric }),
};

/**
 * Check a table through `@libsql/client`. The CLI always gives a libsql:// client URL; the library
 * may give `file:PATH` to run the very same code path against a local copy (the client's own engine).
 */
export async function openLibsqlSource(
  target: Omit<LibsqlTarget, 'server'> & { readonly server?: string; readonly connectTimeoutMs?: number /** What a table without a vector index is searched by. */; readonly metric?: Metric },
): Promise<SqliteSource> {
  const { shown, authToken } = target;
  const server = target.server ?? 'the database';
  const session = await openLibsqlClient({ clientUrl: target.clientUrl, authToken, shown });
  const fail = (action: string, error: unknown): Error => storeFailure(shown, action, error, (raw) => describeLibsqlError(raw, server), authToken);
  try {
    try {
      await withinTimeout(session.query('SELECT 1 AS ok'), { ms: target.connectTimeoutMs ?? LIBSQL_CONNECT_TIMEOUT_MS, server, shown });
    } catch (error) {
      throw fail(`connect to the libsql server at ${server}`, error);
    }
    const catalog = await readSqliteCatalog(session, { table: target.table, column: target.column }, shown).catch((error: unknown) => {
      throw fail('read the table catalog', error);
    });
    if (catalog.column.kind === 'vec0') {
      throw new InputError(`${catalog.column.table} is a sqlite-vec vec0 table: a libsql server cannot load sqlite-vec, so its vectors cannot be read there`, {
        where: shown,
        hint: 'check a copy of the database file with sqlite://./app.db?table=T (sqlite-vec is loaded locally), or store the vectors as F32_BLOB',
      });
    }
    return new SqliteSource(session, catalog, shown, { metric: target.metric });
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** What a libsql client error means for the user (auth, a database that does not exist, a bad URL). */
function describeLibsqlError(error: unknown, server: string): { what: string; hint?: string } | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden|auth(?:entication|orization)? (?:failed|token)/i.test(message))
    return { what: `the libsql server at ${server} refused the auth token`, hint: `check the token (?authToken= or $${AUTH_TOKEN_ENV}): it must be valid for this database (turso db tokens create <db>)` };
  if (/HTTP status 404\b/i.test(message)) return { what: `no database at ${server}`, hint: 'check the host name: Turso databases are libsql://<db>-<org>.turso.io' };
  const cause = rootCause(error);
  if (/CERT|TLS|SSL/i.test(String(cause.code ?? '')) || /certificate|tls|ssl/i.test(cause.message))
    return { what: `the TLS handshake with ${server} failed (${cause.message})`, hint: 'libsql:// always speaks TLS: is the server serving TLS on that host and port, with a certificate for that name?' };
  if (cause !== error && /fetch failed/i.test(message)) return { what: cause.message, hint: 'check the host and port in the URL, and that the server is running' };
  if (code === 'URL_INVALID') return { what: `the client refused the URL (${message})`, hint: 'libsql://HOST[:PORT]?table=T&column=C' };
  return undefined;
}

/** The innermost `cause` of an error chain (a fetch failure's socket error). */
function rootCause(error: unknown): { readonly message: string; readonly code?: unknown } {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    const next = (current as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) break;
    current = next;
  }
  return { message: current instanceof Error ? current.message : String(current), code: (current as { code?: unknown } | null)?.code };
}

/** A server that accepted the connection but does not answer: a clear error instead of a hang. */
async function withinTimeout<T>(work: Promise<T>, { ms, server, shown }: { ms: number; server: string; shown: string }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreError(`the libsql server at ${server} sent no answer within ${ms / 1000} s`, {
            where: shown,
            hint: 'is the server overloaded, stopped, or behind a proxy that holds connections? libsql:// expects a libsql server speaking TLS on that port',
          }),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
