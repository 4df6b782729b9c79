import { resolve } from 'node:path';
import { UsageError } from '../../../errors.js';
import { connectPostgres, CONNECTION_PARAMS } from '../../../sources/stores/pgvector/pg-session.js';
import { openPgliteDirectoryForWrite } from '../../../sources/stores/pgvector/pglite-session.js';
import type { SqlSession } from '../../../sources/stores/pgvector/sql-session.js';
import { parsePathUrl, parsePostgresUrl, redactTarget, rejectUnknownParams } from '../../../sources/stores/store-url.js';

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
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresOut(target);
  if (scheme === 'pglite') return pgliteOut(target);
  return undefined;
}

function postgresOut(target: string): PgvectorOut {
  const shown = redactTarget(target);
  const url = parsePostgresUrl(target, shown);
  rejectUnknownParams(url.searchParams, ['table', 'column', ...CONNECTION_PARAMS], target);
  const { schema, table, column } = tableOf(url.searchParams, shown);
  const host = url.searchParams.get('host') ?? url.hostname;
  const port = url.searchParams.get('port') ?? (url.port || '5432');
  const database = url.searchParams.get('dbname') ?? url.pathname.replace(/^\//, '');
  return {
    shown,
    ...(schema ? { schema } : {}),
    table,
    column,
    identity: `postgres://${host}:${port}/${database}#${schema ?? 'public'}.${table}`,
    open: () => connectPostgres(url, shown, { writable: true }),
  };
}

function pgliteOut(target: string): PgvectorOut {
  const shown = redactTarget(target);
  const { path, params } = parsePathUrl(target, 'pglite');
  rejectUnknownParams(params, ['table', 'column'], target);
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

function tableOf(params: URLSearchParams, shown: string): { schema?: string; table: string; column: string } {
  const named = params.get('table');
  if (!named) throw new UsageError('name the table to write with ?table=', { where: shown, hint: 'e.g. ?table=items (the table is rebuilt in place when it is also the source)' });
  const dot = named.indexOf('.');
  const column = params.get('column') ?? DEFAULT_COLUMN;
  return dot < 0 ? { table: named, column } : { schema: named.slice(0, dot), table: named.slice(dot + 1), column };
}
