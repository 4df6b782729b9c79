import { basename, dirname, join, resolve } from 'node:path';
import { parsePathUrl, schemeOf } from '../../../engines/store-url.js';

/** The vector column a rebuild writes into a new table when the URL names none (LanceDB's own default). */
export const DEFAULT_LANCE_COLUMN = 'vector';

/** A LanceDB table a rebuild writes: lancedb://DIR/TABLE[?column=C]. */
export interface LancedbOut {
  readonly shown: string;
  /** The database directory (what lancedb.connect() takes). */
  readonly databaseDir: string;
  readonly table: string;
  /** The table's dataset directory: DIR/TABLE.lance. */
  readonly tableDir: string;
  /** The vector column named in the URL, if any. */
  readonly column?: string;
  readonly identity: string;
}

export function parseLancedbOut(target: string): LancedbOut | undefined {
  if (schemeOf(target) !== 'lancedb') return undefined;
  const { path, params, shown } = parsePathUrl(target, 'lancedb');
  params.expectOnly(['column']);
  const trimmed = path.replace(/\/+$/, '');
  const table = basename(trimmed).replace(/\.lance$/, '');
  const databaseDir = resolve(dirname(trimmed));
  const column = params.get('column') ?? undefined;
  return { shown, databaseDir, table, tableDir: join(databaseDir, `${table}.lance`), ...(column ? { column } : {}), identity: `lancedb://${join(databaseDir, table)}` };
}
