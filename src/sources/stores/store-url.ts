import { UsageError } from '../../errors.js';

/** Query parameters that carry secrets in some URL dialects (libpq accepts ?password=). */
const SECRET_PARAMS = ['password', 'api_key', 'apikey', 'token'];

/**
 * A store URL safe to print: the userinfo password and secret query parameters replaced by ***.
 * Works on URLs the WHATWG parser rejects too (a password with unescaped '@' or '/').
 */
export function redactTarget(target: string): string {
  // Userinfo first, by hand: new URL() re-encodes the rest, and fails on some valid libpq URLs.
  // The password ends at the last '@' before the query: it may itself hold unescaped '@' or '/'.
  const schemeEnd = target.indexOf('://');
  let redacted = target;
  if (schemeEnd >= 0) {
    const authorityStart = schemeEnd + 3;
    const queryStart = firstIndexOf(target, ['?', '#'], authorityStart);
    const at = target.lastIndexOf('@', queryStart - 1);
    if (at >= authorityStart) {
      const userinfo = target.slice(authorityStart, at);
      const colon = userinfo.indexOf(':');
      if (colon >= 0) redacted = `${target.slice(0, authorityStart)}${userinfo.slice(0, colon)}:***${target.slice(at)}`;
    }
  }
  return redacted.replace(new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#]*`, 'gi'), '$1***');
}

function firstIndexOf(text: string, needles: readonly string[], from: number): number {
  const found = needles.map((needle) => text.indexOf(needle, from)).filter((index) => index >= 0);
  return found.length ? Math.min(...found) : text.length;
}

/**
 * A path-style store URL (pglite://PATH?..., lancedb://PATH/TABLE?...): the path as written
 * (relative to the working directory unless it starts with '/') and the query parameters.
 */
/** A postgres:// URL parsed, or a usage error that shows it redacted. */
export function parsePostgresUrl(target: string, shown: string): URL {
  try {
    return new URL(target);
  } catch {
    throw new UsageError('not a valid postgres:// URL', { where: shown, hint: 'percent-encode special characters in the user and password (e.g. @ as %40)' });
  }
}

export function parsePathUrl(target: string, scheme: string): { readonly path: string; readonly params: URLSearchParams } {
  const prefix = `${scheme}://`;
  if (!target.toLowerCase().startsWith(prefix)) {
    throw new UsageError(`expected a ${prefix} URL`, { where: redactTarget(target) });
  }
  const rest = target.slice(prefix.length);
  const queryStart = rest.indexOf('?');
  const rawPath = queryStart >= 0 ? rest.slice(0, queryStart) : rest;
  const params = new URLSearchParams(queryStart >= 0 ? rest.slice(queryStart + 1) : '');
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new UsageError('the path in the URL has a malformed %-escape', { where: redactTarget(target) });
  }
  if (path === '') throw new UsageError(`no path after ${prefix}`, { where: redactTarget(target), hint: `e.g. ${prefix}./data/store` });
  return { path, params };
}

/** Reject query parameters the connector does not know: a typo ("colum=") must not be silently ignored. */
export function rejectUnknownParams(params: URLSearchParams, known: readonly string[], target: string): void {
  for (const name of params.keys()) {
    if (!known.includes(name)) {
      throw new UsageError(`unknown URL parameter '${name}'`, { where: redactTarget(target), hint: `this store takes: ${known.join(', ')}` });
    }
  }
}
