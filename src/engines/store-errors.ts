import { StoreError, VectorclinicError } from '../errors.js';

/** Node's network error codes, and what the user can do about each. */
const NETWORK_HINTS: Readonly<Record<string, { readonly what: string; readonly hint: string }>> = {
  ECONNREFUSED: { what: 'connection refused', hint: 'is the server running and listening on that host and port?' },
  ENOTFOUND: { what: 'host not found', hint: 'check the host name in the URL' },
  EAI_AGAIN: { what: 'host name lookup failed', hint: 'check the host name and DNS' },
  ETIMEDOUT: { what: 'connection timed out', hint: 'check the host, port and any firewall between here and the server' },
  ECONNRESET: { what: 'connection reset by the server', hint: 'the server closed the connection: check its logs, TLS settings and connection limits' },
  EHOSTUNREACH: { what: 'host unreachable', hint: 'check the host and the network route to it' },
};

/** The network error code of a Node socket error (possibly wrapped in an AggregateError or `cause`). */
export function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in NETWORK_HINTS) return code;
  const nested = (error as { errors?: unknown[] }).errors?.[0] ?? (error as { cause?: unknown }).cause;
  return nested === undefined ? undefined : networkCode(nested);
}

/**
 * Turn whatever a client library threw into a StoreError naming the store (already redacted),
 * so the CLI prints one line and exits 2. `secret` is scrubbed from the message in case a driver
 * echoes it.
 */
export function storeFailure(
  target: string,
  action: string,
  error: unknown,
  describe: (error: unknown) => { readonly what: string; readonly hint?: string } | undefined = () => undefined,
  secret?: string,
): VectorclinicError {
  if (VectorclinicError.isInstance(error)) return error;
  const network = networkCode(error);
  const known = network ? NETWORK_HINTS[network] : describe(error);
  const raw = error instanceof Error ? error.message : String(error);
  const scrub = (text: string): string => (secret ? text.split(secret).join('***') : text);
  const what = scrub(known?.what ?? (raw || 'unknown error'));
  return new StoreError(`cannot ${action}: ${what}`, {
    where: target,
    ...(known?.hint ? { hint: scrub(known.hint) } : {}),
    cause: error,
  });
}
