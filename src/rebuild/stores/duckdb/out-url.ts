import { resolve } from 'node:path';
import { UsageError } from '../../../errors.js';
import { tableChoiceOf } from '../../../engines/pgvector/table-params.js';
import { parsePathUrl, schemeOf } from '../../../engines/store-url.js';

/** The vector column a rebuild writes into a new table when the URL names none. */
export const DEFAULT_DUCKDB_COLUMN = 'embedding';

/** A DuckDB table a rebuild (or guard) writes: duckdb://PATH?table=T[&column=C]. */
export interface DuckdbOut {
  readonly shown: string;
  /** The database file, resolved. */
  readonly path: string;
  readonly schema?: string;
  readonly table: string;
  /** The vector column the URL names; undefined: the table's only vector column, or `embedding` in a new table. */
  readonly column?: string;
  /** The id column the URL names (?id=). */
  readonly idColumn?: string;
  /** Same file and table ⇔ same identity (an in-place rebuild compares source and output). */
  readonly identity: string;
}

export function parseDuckdbOut(target: string): DuckdbOut | undefined {
  if (schemeOf(target) !== 'duckdb') return undefined;
  const { path, params, shown } = parsePathUrl(target, 'duckdb');
  params.expectOnly(['table', 'schema', 'column', 'id']);
  const { schema, table, column, idColumn } = tableChoiceOf(params, shown);
  if (!table) throw new UsageError('name the table to write with ?table=', { where: shown, hint: 'e.g. duckdb://./app.duckdb?table=docs (the table is rebuilt in place when it is also the source)' });
  const file = resolve(path);
  return {
    shown,
    path: file,
    ...(schema ? { schema } : {}),
    table,
    ...(column ? { column } : {}),
    ...(idColumn ? { idColumn } : {}),
    identity: `duckdb://${file}#${schema ?? 'main'}.${table}`,
  };
}

/** The source names the same table (a source URL that does not parse as an output is not). */
export function sameDuckdbTable(source: string, out: DuckdbOut): boolean {
  try {
    return parseDuckdbOut(source)?.identity === out.identity;
  } catch {
    return false;
  }
}
