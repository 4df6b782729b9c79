import type { ClientConfig } from 'pg';
import { userInfo } from 'node:os';
import { UsageError } from '../../errors.js';
import { loadDriver } from '../drivers.js';
import { storeFailure } from '../store-errors.js';
import { parsePort, type StoreUrl } from '../store-url.js';
import { lookupPassword } from './password.js';
import { describePostgresError, describePostgresWriteError } from './postgres-errors.js';
import { SESSION_SETUP, WRITER_SETUP, type SqlSession } from './sql-session.js';

/** A server that does not answer in this long is unreachable for our purposes, not slow. */
const CONNECT_TIMEOUT_MS = 15_000;
/** URL parameters that configure the connection itself (the rest select the table). */
export const CONNECTION_PARAMS = ['sslmode', 'host', 'port', 'user', 'dbname', 'password', 'application_name'];

/** Where a postgres:// URL connects, after ?host= / ?port= / ?user= / ?dbname= and the PG* environment. */
export interface PostgresAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export function postgresAddress(url: StoreUrl): PostgresAddress {
  const params = url.params;
  const host = params.get('host') ?? (url.host || process.env.PGHOST || 'localhost');
  const portParam = params.get('port');
  const envPort = process.env.PGPORT;
  const port = portParam !== undefined ? parsePort(portParam, `'${portParam}' in ?port=`, url.shown) : (url.port ?? (envPort ? parsePort(envPort, `'${envPort}' in PGPORT`, url.shown) : 5432));
  const user = params.get('user') ?? (url.user || process.env.PGUSER || userInfo().username);
  const database = params.get('dbname') ?? (url.path || process.env.PGDATABASE || user);
  return { host, port, user, database };
}

/**
 * Open one session to a Postgres server from a postgres:// URL: read-only unless `writable`
 * (only `rebuild --apply` asks; its statements then run without our 15-minute bound, since an
 * index build on a large table legitimately takes longer).
 */
export async function connectPostgres(url: StoreUrl, options: { readonly writable?: boolean } = {}): Promise<SqlSession> {
  const params = url.params;
  const target = url.shown;
  const { host, port, user, database } = postgresAddress(url);
  const urlPassword = params.get('password') ?? url.password;
  const password = urlPassword ?? lookupPassword({ host, port, database, user });
  const { default: pg } = await loadDriver('pg', target);
  const client = new pg.Client({
    host,
    port,
    user,
    database,
    // A function, so pg never falls back to its own (deprecated, noisy) ~/.pgpass lookup.
    password: async () => password ?? '',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // TCP keepalives notice a server that vanished mid-check instead of waiting forever.
    keepAlive: true,
    ssl: sslFor(params.get('sslmode'), target),
    application_name: 'vectorclinic',
  });
  // An idle connection the server drops emits 'error'; without a listener Node would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (const statement of options.writable ? WRITER_SETUP : SESSION_SETUP) await client.query(statement);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw storeFailure(target, `connect to ${host}:${port}/${database} as ${user}`, error, options.writable ? describePostgresWriteError : describePostgresError, password);
  }
  let closed = false;
  return {
    async query<Row extends object>(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
      const result = await client.query(sql, values as unknown[]);
      return result.rows as Row[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}

function sslFor(mode: string | undefined, target: string): ClientConfig['ssl'] {
  switch (mode ?? 'disable') {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      // libpq's 'require' encrypts without verifying the certificate.
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return true;
    default:
      throw new UsageError(`unknown sslmode '${mode}'`, { where: target, hint: 'use disable, require, verify-ca or verify-full' });
  }
}
