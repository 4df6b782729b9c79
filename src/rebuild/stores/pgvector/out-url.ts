import { resolve } from 'node:path';
import { UsageError } from '../../../errors.js';
import { connectPostgres, CONNECTION_PARAMS, postgresAddress } from '../../../engines/pgvector/pg-session.js';
import { openPgliteDirectoryForWrite } from '../../../engines/pgvector/pglite-session.js';
import type { SqlSession } from '../../../engines/pgvector/sql-session.js';
import { TABLE_PARAMS, tableChoiceOf } from '../../../engines/pgvector/table-params.js';
import { parsePathUrl, parseStoreUrl, schemeOf, type UrlParams } from '../../../engines/store-url.js';

/** The vector column a rebuild writes when the URL names none (pgvector's documentation uses it). */
export const DEFAULT_COLUMN = 'embedding';

/** A pgvector table a rebuild writes: where it is, how to open a writable session to it. */
export interface PgvectorOut {
  /** The URL with secrets redacted, for messages. */
  readonly shown: string;
  readonly schema?: string;
  readonly table: string;
  readonly column: string;
  /** Same database and table ⇔ same identity (in-place rebuilds compare source and output). */
  readonly identity: string;
  open(): Promise<SqlSession>;
}

/** postgres://…?table=T[&column=C] or pglite://PATH?table=T[&column=C], as a rebuild output. */
export function parsePgvectorOut(target: string): PgvectorOut | undefined {
  const scheme = schemeOf(target);
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresOut(target);
  if (scheme === 'pglite') return pgliteOut(target);
  return undefined;
}

function postgresOut(target: string): PgvectorOut {
  const url = parseStoreUrl(target);
  const shown = url.shown;
  url.params.expectOnly(WRITE_PARAMS.concat(CONNECTION_PARAMS));
  const { schema, table, column } = tableOf(url.params, shown);
  const { host, port, database } = postgresAddress(url);
  return {
    shown,
    ...(schema ? { schema } : {}),
    table,
    column,
    identity: `postgres://${host}:${port}/${database}#${schema ?? 'public'}.${table}`,
    open: () => connectPostgres(url, { writable: true }),
  };
}

function pgliteOut(target: string): PgvectorOut {
  const { path, params, shown } = parsePathUrl(target, 'pglite');
  params.expectOnly(WRITE_PARAMS);
  const { schema, table, column } = tableOf(params, shown);
  return {
    shown,
    ...(schema ? { schema } : {}),
    table,
    column,
    identity: `pglite://${resolve(path)}#${schema ?? 'public'}.${table}`,
    open: () => openPgliteDirectoryForWrite(path, shown),
  };
}

/** An output names its table and column (no ?id=: the rebuild writes its own id column). */
const WRITE_PARAMS = TABLE_PARAMS.filter((name) => name !== 'id');

function tableOf(params: UrlParams, shown: string): { schema?: string; table: string; column: string } {
  const { schema, table, column } = tableChoiceOf(params, shown);
  if (!table) throw new UsageError('name the table to write with ?table=', { where: shown, hint: 'e.g. ?table=items (the table is rebuilt in place when it is also the source)' });
  return { ...(schema ? { schema } : {}), table, column: column ?? DEFAULT_COLUMN };
}
