import { UsageError } from '../../errors.js';
import { quoteIdentifier, quoteLiteral, type DuckdbSession } from './session.js';

/**
 * What a table is besides its rows: constraints, defaults, comments and indexes. A rebuild in place
 * writes a new table with CREATE TABLE … AS SELECT (which copies none of these), swaps it in, and
 * replays these statements on it, in the same transaction.
 */
export interface DuckdbTableShape {
  /** Statements that give the new table (already renamed into place) the old one's shape. */
  readonly restore: readonly string[];
}

interface ConstraintRow {
  constraint_type: string;
  constraint_text: string;
  constraint_name: string;
  /** JSON text of the column names (a LIST value does not come back as a JS array). */
  names: string;
}

/**
 * Read the table's shape; refuse what a replay cannot give back exactly (CHECK and FOREIGN KEY
 * constraints, an index DuckDB does not print, a vss HNSW index), naming it.
 */
export async function readTableShape(session: DuckdbSession, table: { readonly schema: string; readonly table: string; readonly vectorColumn: string }, where: string): Promise<DuckdbTableShape> {
  const relation = `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;
  const filter = 'database_name = current_database() AND schema_name = $1 AND table_name = $2';
  const params = [table.schema, table.table];
  const restore: string[] = [];
  const refused: string[] = [];
  const list = (names: readonly string[]): string => names.map(quoteIdentifier).join(', ');

  for (const row of await session.rows<ConstraintRow>(
    `SELECT constraint_type, constraint_text, constraint_name, CAST(to_json(constraint_column_names) AS VARCHAR) AS names FROM duckdb_constraints() WHERE ${filter} ORDER BY constraint_index`,
    params,
  )) {
    const columns = JSON.parse(row.names) as string[];
    if (row.constraint_type === 'PRIMARY KEY') restore.push(`ALTER TABLE ${relation} ADD PRIMARY KEY (${list(columns)})`);
    else if (row.constraint_type === 'UNIQUE') restore.push(`CREATE UNIQUE INDEX ${quoteIdentifier(row.constraint_name)} ON ${relation} (${list(columns)})`);
    else if (row.constraint_type === 'NOT NULL') restore.push(`ALTER TABLE ${relation} ALTER ${list(columns)} SET NOT NULL`);
    else refused.push(`${row.constraint_type} ${row.constraint_text}`);
  }
  const columns = await session.rows<{ column_name: string; column_default: string | null; comment: string | null }>(
    `SELECT column_name, column_default, comment FROM duckdb_columns() WHERE ${filter} ORDER BY column_index`,
    params,
  );
  for (const column of columns) {
    if (column.column_default !== null) restore.push(`ALTER TABLE ${relation} ALTER ${quoteIdentifier(column.column_name)} SET DEFAULT ${column.column_default}`);
    // The vector column's comment is where the rebuild writes its manifest.
    if (column.comment && column.column_name !== table.vectorColumn) restore.push(`COMMENT ON COLUMN ${relation}.${quoteIdentifier(column.column_name)} IS ${quoteLiteral(column.comment)}`);
  }
  const [described] = await session.rows<{ comment: string | null }>(`SELECT comment FROM duckdb_tables() WHERE ${filter}`, params);
  if (described?.comment) restore.push(`COMMENT ON TABLE ${relation} IS ${quoteLiteral(described.comment)}`);
  for (const index of await session.rows<{ index_name: string; sql: string | null }>(`SELECT index_name, sql FROM duckdb_indexes() WHERE ${filter}`, params)) {
    if (!index.sql || /\bUSING\s+HNSW\b/i.test(index.sql)) refused.push(`index ${index.index_name}${index.sql ? ` (${index.sql.replace(/;\s*$/, '')})` : ''}`);
    else restore.push(index.sql.replace(/;\s*$/, ''));
  }
  if (refused.length) {
    throw new UsageError(`the table has what a rebuild in place would not recreate exactly: ${refused.join('; ')}`, {
      where,
      hint: 'rebuild into a new table (another ?table= in --out) and move the application to it, or drop these first and recreate them after',
    });
  }
  return { restore };
}
