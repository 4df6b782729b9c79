import { StoreError, UsageError } from '../../errors.js';
import type { DuckdbSession } from './session.js';
import { quoteIdentifier } from './session.js';
import { parseVectorType, type DuckdbVectorType } from './vector-type.js';

/** What the URL asks for; every part may be left to discovery. */
export interface DuckdbTableChoice {
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly idColumn?: string;
}

export interface DuckdbColumn {
  readonly name: string;
  /** Quoted for SQL. */
  readonly sql: string;
  readonly type: DuckdbVectorType;
}

/** The table and columns a check reads, found in DuckDB's information_schema. */
export interface DuckdbTableCatalog {
  readonly schema: string;
  readonly table: string;
  /** schema.table as users write it (for messages). */
  readonly tableName: string;
  /** Quoted schema.table for SQL. */
  readonly relation: string;
  readonly column: DuckdbColumn;
  /** The application's id column (?id=, else a column named id); rows are named by rowid without one. */
  readonly idColumn?: { readonly name: string; readonly sql: string };
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** A view has no rowid: rows are named by the id column or their position. */
  readonly view: boolean;
}

interface CatalogRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  table_type: string;
}

/** Read the catalog and pick the table, vector column and id column; every miss is a StoreError listing what is there. */
export async function readDuckdbCatalog(session: DuckdbSession, choice: DuckdbTableChoice, where: string): Promise<DuckdbTableCatalog> {
  const rows = await session.rows<CatalogRow>(
    `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, t.table_type FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
      WHERE c.table_catalog = current_database() ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, CatalogRow[]>();
  for (const row of rows) {
    const key = `${row.table_schema}.${row.table_name}`;
    tables.set(key, [...(tables.get(key) ?? []), row]);
  }
  const display = (row: CatalogRow): string => (row.table_schema === 'main' ? row.table_name : `${row.table_schema}.${row.table_name}`);
  const withVectors = [...tables.values()].filter((columns) => columns.some((column) => parseVectorType(column.data_type)));
  const listing = withVectors.map((columns) => display(columns[0] as CatalogRow)).join(', ') || 'none';
  let columns: CatalogRow[] | undefined;
  if (choice.table !== undefined) {
    const matches = [...tables.values()].filter((candidate) => {
      const first = candidate[0] as CatalogRow;
      return first.table_name === choice.table && (choice.schema === undefined ? true : first.table_schema === choice.schema);
    });
    const preferred = matches.length > 1 ? matches.filter((candidate) => (candidate[0] as CatalogRow).table_schema === 'main') : matches;
    if (preferred.length !== 1) {
      const name = choice.schema ? `${choice.schema}.${choice.table}` : choice.table;
      throw new StoreError(preferred.length === 0 ? `no table or view '${name}' in this database` : `table '${name}' exists in several schemas`, {
        where,
        hint: preferred.length === 0 ? `tables with vector columns: ${listing}` : 'name the schema: ?table=schema.table',
      });
    }
    columns = preferred[0];
  } else if (withVectors.length === 1) {
    columns = withVectors[0];
  } else {
    throw new (withVectors.length === 0 ? StoreError : UsageError)(
      withVectors.length === 0 ? 'no table in this database has a FLOAT[n], FLOAT[] or DOUBLE[] column' : `${withVectors.length} tables have vector columns: say which with ?table=`,
      {
        where,
        hint: withVectors.length === 0 ? `tables: ${[...tables.values()].map((t) => display(t[0] as CatalogRow)).join(', ') || 'none'}` : `tables with vector columns: ${listing}`,
      },
    );
  }
  const first = (columns as CatalogRow[])[0] as CatalogRow;
  const column = pickColumn(columns as CatalogRow[], choice.column, where);
  const idColumn = pickIdColumn(columns as CatalogRow[], choice.idColumn, where);
  return {
    schema: first.table_schema,
    table: first.table_name,
    tableName: display(first),
    relation: `${quoteIdentifier(first.table_schema)}.${quoteIdentifier(first.table_name)}`,
    column,
    ...(idColumn ? { idColumn } : {}),
    columns: (columns as CatalogRow[]).map((row) => ({ name: row.column_name, type: row.data_type })),
    view: first.table_type === 'VIEW',
  };
}

function pickColumn(columns: readonly CatalogRow[], named: string | undefined, where: string): DuckdbColumn {
  const vectors = columns.flatMap((row) => {
    const type = parseVectorType(row.data_type);
    return type ? [{ name: row.column_name, sql: quoteIdentifier(row.column_name), type }] : [];
  });
  const listing = vectors.map((column) => `${column.name} ${column.type.name}`).join(', ') || 'none';
  if (named !== undefined) {
    const found = vectors.find((column) => column.name === named);
    if (found) return found;
    const other = columns.find((row) => row.column_name === named);
    throw new StoreError(other ? `column ${named} is ${other.data_type}, not a FLOAT[n], FLOAT[] or DOUBLE[] vector column` : `no column ${named}`, { where, hint: `vector columns: ${listing}` });
  }
  if (vectors.length === 1) return vectors[0] as DuckdbColumn;
  if (vectors.length === 0) throw new StoreError('the table has no FLOAT[n], FLOAT[] or DOUBLE[] column', { where, hint: `columns: ${columns.map((row) => `${row.column_name} ${row.data_type}`).join(', ')}` });
  throw new UsageError(`${vectors.length} vector columns: say which with ?column=`, { where, hint: `vector columns: ${listing}` });
}

function pickIdColumn(columns: readonly CatalogRow[], named: string | undefined, where: string): { name: string; sql: string } | undefined {
  if (named !== undefined) {
    if (!columns.some((row) => row.column_name === named)) {
      throw new StoreError(`no id column ${named}`, { where, hint: `columns: ${columns.map((row) => row.column_name).join(', ')}` });
    }
    return { name: named, sql: quoteIdentifier(named) };
  }
  const id = columns.find((row) => row.column_name.toLowerCase() === 'id' && !parseVectorType(row.data_type));
  return id ? { name: id.column_name, sql: quoteIdentifier(id.column_name) } : undefined;
}
