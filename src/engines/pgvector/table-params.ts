import { UsageError } from '../../errors.js';
import { parseQualifiedName, type UrlParams } from '../store-url.js';
import type { TableChoice } from './catalog.js';

/** URL parameters naming the table and columns (the rest configure the connection). */
export const TABLE_PARAMS = ['table', 'schema', 'column', 'id'];

/**
 * The table the URL names: ?table=items, ?table=schema.items, ?table="my.schema".items, or
 * ?schema=my.schema&table=items (a schema name with a dot, without quoting).
 */
export function tableChoiceOf(params: UrlParams, shown: string): TableChoice {
  const table = params.get('table');
  const named = table === undefined ? undefined : parseQualifiedName(table, shown);
  const schemaParam = params.get('schema');
  if (schemaParam !== undefined && named?.schema !== undefined) {
    throw new UsageError('the schema is given twice: in ?schema= and in ?table=schema.table', { where: shown, hint: 'give it once: ?schema=S&table=T or ?table=S.T' });
  }
  if (schemaParam === '') throw new UsageError('?schema= is empty', { where: shown, hint: 'name the schema, or leave ?schema= out' });
  const schema = schemaParam ?? named?.schema;
  const column = params.get('column') || undefined;
  const idColumn = params.get('id') || undefined;
  return { ...(schema ? { schema } : {}), ...(named ? { table: named.table } : {}), ...(column ? { column } : {}), ...(idColumn ? { idColumn } : {}) };
}
