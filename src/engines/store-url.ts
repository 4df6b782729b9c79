import { UsageError } from '../errors.js';

/**
 * The one parser for store targets (postgres://, pglite://, lancedb://, chroma://, and the shapes
 * sqlite://, libsql://, duckdb:// will take). The redactor and every connector read a URL through
 * it, so what is hidden is exactly what is sent as the password.
 *
 * Two shapes:
 * - authority URLs `scheme://[user[:password]@]host[:port][/path][?k=v&…]`: the userinfo ends at the
 *   LAST '@' before the host, so a password may hold unescaped '@', '/', ':' (and '?' unless it
 *   holds '?name=' with a parameter name a store takes). '%' must be written %25; a malformed
 *   %-escape is a usage error.
 * - path URLs `scheme://PATH[?k=v&…]`: everything before '?' is a (percent-decoded) file path.
 *
 * Query parameters are libpq-style: '+' is a plus sign, each name at most once.
 */
const PATH_SCHEMES: ReadonlySet<string> = new Set(['pglite', 'lancedb', 'sqlite', 'duckdb', 'file']);
const SCHEME_PATTERN = /^([a-z][a-z0-9+.-]*):\/\//i;
/** Parameter names whose values are secrets (libpq ?password=, chroma ?token=, libsql ?authToken=, …). */
const SECRET_PARAM = /pass|token|secret|api_?key|auth|credential/i;
const ESCAPING_HINT = 'percent-encode special characters in the URL: % as %25, @ as %40, / as %2F, ? as %3F, & as %26, : in the user name as %3A';

/** A URL split into its raw (still encoded) parts; splitting never fails, decoding may. */
interface RawUrl {
  readonly scheme: string;
  readonly shape: 'authority' | 'path';
  readonly user?: string;
  readonly password?: string;
  /** host[:port] as written (authority URLs). */
  readonly hostPort: string;
  /** As written: with its leading '/' for authority URLs; the whole path for path URLs. */
  readonly path: string;
  readonly query?: string;
}

/** Query parameters, percent-decoded, each given at most once. */
export class UrlParams {
  constructor(
    private readonly values: ReadonlyMap<string, string>,
    private readonly shown: string,
  ) {}

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /** A misspelt parameter ("colum=") is an error, not silently ignored. */
  expectOnly(known: readonly string[]): void {
    for (const name of this.values.keys()) {
      if (!known.includes(name)) {
        throw new UsageError(`unknown URL parameter '${name}'`, { where: this.shown, hint: `this store takes: ${known.join(', ')}` });
      }
    }
  }
}

/** A store URL decoded: what connectors use, and `shown` (secrets replaced by ***) for every message. */
export interface StoreUrl {
  /** Lower case. */
  readonly scheme: string;
  readonly user?: string;
  readonly password?: string;
  readonly host?: string;
  readonly port?: number;
  /** Percent-decoded: the database (postgres), the collection (chroma), the file path (path URLs). */
  readonly path: string;
  readonly params: UrlParams;
  readonly shown: string;
}

/** The scheme of a URL-looking target (lower case), or undefined for a plain path. */
export function schemeOf(target: string): string | undefined {
  return SCHEME_PATTERN.exec(target)?.[1]?.toLowerCase();
}

/** Parse a store URL; every error is a UsageError whose text holds no part of a secret. */
export function parseStoreUrl(target: string): StoreUrl {
  const raw = splitUrl(target);
  if (!raw) throw new UsageError('not a store URL (scheme://…)', { where: '(target)' });
  const shown = redactRaw(raw);
  const decode = (text: string, what: string): string => decodePart(text, what, shown);
  const { host, port } = raw.shape === 'authority' ? splitHostPort(raw.hostPort, shown) : {};
  return {
    scheme: raw.scheme,
    ...(raw.user !== undefined ? { user: decode(raw.user, 'user name in the URL') } : {}),
    ...(raw.password !== undefined ? { password: decode(raw.password, 'password in the URL') } : {}),
    ...(host ? { host: decode(host, 'host in the URL') } : {}),
    ...(port !== undefined ? { port } : {}),
    path: decode(raw.shape === 'path' ? raw.path : raw.path.replace(/^\//, ''), raw.shape === 'path' ? 'path in the URL' : 'path after the host'),
    params: parseQuery(raw.query, shown),
    shown,
  };
}

/** A path URL (pglite://PATH, lancedb://PATH/TABLE): its scheme must be `scheme` and the path non-empty. */
export function parsePathUrl(target: string, scheme: string): StoreUrl {
  if (schemeOf(target) !== scheme) throw new UsageError(`expected a ${scheme}:// URL`, { where: redactTarget(target) });
  const url = parseStoreUrl(target);
  if (url.path === '') throw new UsageError(`no path after ${scheme}://`, { where: url.shown, hint: `e.g. ${scheme}://./data/store` });
  return url;
}

/**
 * A target safe to print: the userinfo password and secret query parameters replaced by ***.
 * Plain file paths come back as they are. Never throws (it runs on URLs that fail to parse).
 */
export function redactTarget(target: string): string {
  const raw = splitUrl(target);
  return raw ? redactRaw(raw) : target;
}

/** A port given as text (the URL's or ?port=): an integer 1–65535, else a usage error naming `where`. */
export function parsePort(text: string, what: string, shown: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new UsageError(`invalid port ${what}: give a number from 1 to 65535`, { where: shown, hint: 'e.g. host:5432 or ?port=5432; a password holding ? or & must be percent-encoded (%3F, %26)' });
  return port;
}

/**
 * A table name as `?table=` gives it: `items`, `schema.items`, or with double quotes around a part
 * that holds a dot (or any character): `"my.schema".items`, `"odd ""name"""` ("" is a quote).
 */
export function parseQualifiedName(text: string, shown: string): { readonly schema?: string; readonly table: string } {
  const parts: string[] = [];
  let i = 0;
  const bad = (why: string): never => {
    throw new UsageError(`cannot read the table name '${text}': ${why}`, { where: shown, hint: 'write table, schema.table, or quote a part that holds a dot: table="my.schema".items (or give ?schema=)' });
  };
  while (i <= text.length) {
    let part = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) bad('a quote is not closed');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i++];
      }
      if (i < text.length && text[i] !== '.') bad('a quoted part must be followed by a dot or the end');
    } else {
      const dot = text.indexOf('.', i);
      const end = dot < 0 ? text.length : dot;
      part = text.slice(i, end);
      if (part.includes('"')) bad('a quote in the middle of a part');
      i = end;
    }
    if (part === '') bad('an empty part');
    parts.push(part);
    if (i >= text.length) break;
    i++; // the dot
    if (i >= text.length) bad('it ends with a dot');
  }
  if (parts.length > 2) bad(`${parts.length} dot-separated parts; a dot inside a schema or table name needs double quotes`);
  return parts.length === 2 ? { schema: parts[0] as string, table: parts[1] as string } : { table: parts[0] as string };
}

/** Split without decoding. Undefined when the target has no scheme. */
function splitUrl(target: string): RawUrl | undefined {
  const match = SCHEME_PATTERN.exec(target);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  // file://localhost/path is file:///path (RFC 8089).
  const rest = scheme === 'file' ? target.slice(match[0].length).replace(/^localhost(?=\/)/i, '') : target.slice(match[0].length);
  if (PATH_SCHEMES.has(scheme)) {
    const q = rest.indexOf('?');
    return { scheme, shape: 'path', hostPort: '', path: q < 0 ? rest : rest.slice(0, q), ...(q < 0 ? {} : { query: rest.slice(q + 1) }) };
  }
  const at = userinfoEnd(rest);
  const userinfo = at < 0 ? undefined : rest.slice(0, at);
  const afterUser = rest.slice(at + 1);
  const hostEnd = firstIndexOf(afterUser, ['/', '?']);
  const hostPort = afterUser.slice(0, hostEnd);
  const tail = afterUser.slice(hostEnd);
  const q = tail.indexOf('?');
  const pathPart = q < 0 ? tail : tail.slice(0, q);
  const colon = userinfo === undefined ? -1 : userinfo.indexOf(':');
  return {
    scheme,
    shape: 'authority',
    ...(userinfo !== undefined ? { user: colon < 0 ? userinfo : userinfo.slice(0, colon) } : {}),
    ...(userinfo !== undefined && colon >= 0 ? { password: userinfo.slice(colon + 1) } : {}),
    hostPort,
    path: pathPart,
    ...(q < 0 ? {} : { query: tail.slice(q + 1) }),
  };
}

/**
 * Parameter names some store takes: an '@' after '?name=' is a parameter value only when the
 * name is one of these (a password like 'a?b=c@host' is not mistaken for a query).
 */
const KNOWN_PARAMS: ReadonlySet<string> = new Set([
  'table',
  'schema',
  'column',
  'id',
  'sslmode',
  'host',
  'port',
  'user',
  'dbname',
  'password',
  'application_name',
  'ssl',
  'tenant',
  'database',
  'token',
  'authToken',
  'auth_token',
]);

/**
 * Where the userinfo ends: the last '@' before the query. An '@' after the first '?' still ends the
 * userinfo (the password holds a '?') unless reading it as a query parameter value is a valid
 * parse: host[:port] before the '?', and a userinfo before it or only known parameter names up to
 * that '@' (?user=me@corp).
 */
function userinfoEnd(rest: string): number {
  const lastAt = rest.lastIndexOf('@');
  const q = rest.indexOf('?');
  if (lastAt < 0 || q < 0 || lastAt < q) return lastAt;
  const before = rest.lastIndexOf('@', q);
  const authority = rest.slice(before + 1, firstIndexOf(rest.slice(before + 1), ['/', '?']) + before + 1);
  const segments = rest.slice(q + 1, lastAt).split('&');
  const knownNames = segments.every((segment) => segment === '' || KNOWN_PARAMS.has(segment.slice(0, Math.max(0, segment.indexOf('=')))));
  // An '@' before the '?' already ended a userinfo: the later one is in a value (?passwd=p@ss is then an unknown parameter, redacted).
  const asQuery = validHostPort(authority) && (before >= 0 || knownNames);
  return asQuery ? before : lastAt;
}

function validHostPort(hostPort: string): boolean {
  const bracket = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  if (hostPort.startsWith('[') && bracket < 0) return false;
  const colon = hostPort.indexOf(':', Math.max(0, bracket));
  return colon < 0 || /^\d{0,5}$/.test(hostPort.slice(colon + 1));
}

function redactRaw(raw: RawUrl): string {
  const userinfo = raw.user === undefined ? '' : `${raw.user}${raw.password !== undefined ? ':***' : ''}@`;
  const query = raw.query === undefined ? '' : `?${raw.query.split('&').map(redactParam).join('&')}`;
  return `${raw.scheme}://${userinfo}${raw.hostPort}${raw.path}${query}`;
}

function redactParam(segment: string): string {
  const eq = segment.indexOf('=');
  const name = eq < 0 ? segment : segment.slice(0, eq);
  if (!SECRET_PARAM.test(safeDecode(name))) return segment;
  return eq < 0 ? segment : `${name}=***`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function decodePart(text: string, what: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`the ${what} has a malformed %-escape`, { where: shown, hint: ESCAPING_HINT });
  }
}

/** host[:port], host may be an [IPv6] literal. The port's value is not echoed: a mis-split password could be in it. */
function splitHostPort(hostPort: string, shown: string): { host?: string; port?: number } {
  const bracket = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  const colon = hostPort.indexOf(':', Math.max(bracket, 0));
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const portText = colon < 0 ? '' : hostPort.slice(colon + 1);
  const port = portText === '' ? undefined : parsePort(portText, 'after the host', shown);
  return { ...(host ? { host: bracket >= 0 ? host.slice(1, -1) : host } : {}), ...(port !== undefined ? { port } : {}) };
}

function parseQuery(query: string | undefined, shown: string): UrlParams {
  const values = new Map<string, string>();
  for (const segment of (query ?? '').split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) throw new UsageError(eq === 0 ? 'a URL parameter has no name' : 'a URL parameter has no value (name=value)', { where: shown, hint: ESCAPING_HINT });
    const name = decodePart(segment.slice(0, eq), 'name of a URL parameter', shown);
    const value = decodePart(segment.slice(eq + 1), `value of URL parameter '${name}'`, shown);
    if (values.has(name)) throw new UsageError(`URL parameter '${name}' given twice`, { where: shown, hint: 'give each parameter once' });
    values.set(name, value);
  }
  return new UrlParams(values, shown);
}

function firstIndexOf(text: string, needles: readonly string[]): number {
  const found = needles.map((needle) => text.indexOf(needle)).filter((index) => index >= 0);
  return found.length ? Math.min(...found) : text.length;
}
