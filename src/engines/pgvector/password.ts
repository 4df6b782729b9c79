import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PasswordLookup {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/**
 * The password libpq would use when the URL has none: PGPASSWORD, else the first matching line of
 * ~/.pgpass (or PGPASSFILE). Written here because node-postgres' own ~/.pgpass lookup is
 * deprecated and prints a warning on every connection.
 */
export function lookupPassword(lookup: PasswordLookup, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PGPASSWORD !== undefined) return env.PGPASSWORD;
  const file = env.PGPASSFILE ?? join(homedir(), '.pgpass');
  let text: string;
  try {
    // libpq ignores a password file others can read; so do we.
    if ((statSync(file).mode & 0o077) !== 0) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return matchPgpass(text, lookup);
}

/** hostname:port:database:username:password, '*' matching anything, '\' escaping ':' and '\'. */
export function matchPgpass(text: string, lookup: PasswordLookup): string | undefined {
  const wanted = [lookup.host, String(lookup.port), lookup.database, lookup.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitPgpassLine(line);
    if (fields.length < 5) continue;
    const matches = wanted.every((value, i) => fields[i] === '*' || fields[i] === value);
    if (matches) return fields.slice(4).join(':');
  }
  return undefined;
}

function splitPgpassLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (char === '\\' && i + 1 < line.length) {
      current += line[++i];
    } else if (char === ':') {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields;
}
