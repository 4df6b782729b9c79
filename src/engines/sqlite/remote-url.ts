import { UsageError } from '../../errors.js';
import { parseStoreUrl } from '../store-url.js';

/** Where the auth token comes from when the URL has none (Turso's and the libsql client's convention). */
export const AUTH_TOKEN_ENV = 'LIBSQL_AUTH_TOKEN';

export interface LibsqlTarget {
  /** What the client opens: libsql://host[:port] (the client speaks TLS to it). Holds no secret. */
  readonly clientUrl: string;
  readonly authToken?: string;
  readonly table?: string;
  readonly column?: string;
  /** The target with the token replaced by *** (every message shows this). */
  readonly shown: string;
  /** host[:port], for messages. */
  readonly server: string;
}

/**
 * libsql://HOST[:PORT]?table=T&column=C[&authToken=…] → the client's URL and token. The token comes
 * from ?authToken= or else $LIBSQL_AUTH_TOKEN; it never enters `clientUrl` or `shown`. Only the TLS
 * form is a store URL: a plaintext server (http://, ws://) is not a target.
 */
export function parseLibsqlUrl(target: string, env: NodeJS.ProcessEnv = process.env): LibsqlTarget {
  const url = parseStoreUrl(target);
  const { shown, params } = url;
  if (url.scheme !== 'libsql') throw new UsageError('expected a libsql:// URL', { where: shown });
  params.expectOnly(['table', 'column', 'authToken']);
  if (!url.host) throw new UsageError('no host after libsql://', { where: shown, hint: 'libsql://my-db-org.turso.io?table=T&column=C' });
  if (url.user !== undefined || url.password !== undefined) throw new UsageError('a libsql:// URL takes no user name or password', { where: shown, hint: `give the token as ?authToken= or in $${AUTH_TOKEN_ENV}` });
  if (url.path !== '') throw new UsageError('a libsql:// URL has no path after the host', { where: shown, hint: 'name the table with ?table=T&column=C' });
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  const server = url.port === undefined ? host : `${host}:${url.port}`;
  const authToken = params.get('authToken') ?? (env[AUTH_TOKEN_ENV] || undefined);
  return { clientUrl: `libsql://${server}`, authToken, table: params.get('table'), column: params.get('column'), shown, server };
}
