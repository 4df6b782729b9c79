/** SQLSTATE codes a user can act on, and what to tell them. */
const SQLSTATE_HINTS: Readonly<Record<string, string>> = {
  '28P01': 'check the user and password (URL, PGPASSWORD or ~/.pgpass)',
  '28000': 'the server rejected this user or host (pg_hba.conf); check the user name and where you connect from',
  '3D000': 'check the database name in the URL path',
  '42P01': 'check ?table= (schema.table if it is not on the search_path; "my.schema".table for a name with a dot)',
  '42703': 'check ?column=',
  '42501': 'grant this role read access: GRANT SELECT ON <table> TO <user> (vectorclinic only reads)',
  '53300': 'the server has no free connection slots; retry later or raise max_connections',
  '57P03': 'the server is starting up or shutting down; retry in a moment',
  '57014': 'a statement was cancelled (statement_timeout); retry with a smaller --sample',
  '25006': 'vectorclinic tried to write in a read-only session: this is a bug, please report it',
};

/** What differs for a session that writes (`rebuild --apply`): it needs more than SELECT. */
const WRITE_HINTS: Readonly<Record<string, string>> = {
  '42501':
    "rebuild writes: connect as the table's owner (CREATE INDEX and DROP INDEX need ownership; rewriting rows needs UPDATE and DELETE; a new table needs CREATE on the schema), or rebuild into a table this role owns",
  '25006': 'the session is read-only (default_transaction_read_only or a hot standby): rebuild must connect to the primary with a role that may write',
  '55P03': 'another session holds the table (a concurrent rebuild, or a long transaction): retry when it has finished',
};

/** Wording for a Postgres error (DatabaseError carries `code` = SQLSTATE), or undefined. */
export function describePostgresError(error: unknown): { readonly what: string; readonly hint?: string } | undefined {
  return describeWith(error, SQLSTATE_HINTS);
}

/** The same for a session that writes: a permission error asks for write rights, not SELECT. */
export function describePostgresWriteError(error: unknown): { readonly what: string; readonly hint?: string } | undefined {
  return describeWith(error, { ...SQLSTATE_HINTS, ...WRITE_HINTS });
}

function describeWith(error: unknown, hints: Readonly<Record<string, string>>): { readonly what: string; readonly hint?: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String((error as { message?: unknown }).message ?? '');
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const hint = hints[code];
  return { what: `${message} (SQLSTATE ${code})`, ...(hint ? { hint } : {}) };
}
