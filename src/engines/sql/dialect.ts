/**
 * What differs between the SQL engines the pushdown layer talks to (Postgres/pgvector, SQLite/libsql,
 * DuckDB): quoting, bind parameters, casts, passing a list. Everything else — the statements
 * themselves — is written once in this folder against this interface.
 */
export interface SqlDialect {
  /** Shown in evidence and errors: 'postgres', 'sqlite', 'duckdb'. */
  readonly name: string;
  /** An identifier (table, column) as SQL text: names cannot be bind parameters. */
  quoteIdent(name: string): string;
  /** The placeholder of the `position`-th bind parameter (1-based): `$1` or `?1`. */
  placeholder(position: number): string;
  /** An expression's text form, for ids and keys that travel as strings. */
  asText(expression: string): string;
  /**
   * A one-column relation (column `value`) of the integers in a bound list: how a statement
   * receives the row numbers a sample asks for. `bound` is the list's placeholder; `bindList`
   * turns the numbers into the value to bind.
   */
  integerList(bound: string): string;
  bindList(values: readonly number[]): unknown;
}

/** Bind parameters of one statement, numbered in the order they are added. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly dialect: SqlDialect) {}

  /** Add a value and return its placeholder. */
  bind(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

/** Double-quote an identifier, doubling quotes inside (Postgres, SQLite and DuckDB alike). */
export function doubleQuote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Postgres (pgvector, Citus): `$n` parameters, arrays for lists. */
export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  quoteIdent: doubleQuote,
  placeholder: (position) => `$${position}`,
  asText: (expression) => `${expression}::text`,
  integerList: (bound) => `unnest(${bound}::int8[]) AS w(value)`,
  bindList: (values) => values.map(String),
};

/** SQLite and libsql (files, Turso): `?n` parameters, a JSON array read by json_each for lists. */
export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  quoteIdent: doubleQuote,
  placeholder: (position) => `?${position}`,
  asText: (expression) => `CAST(${expression} AS TEXT)`,
  integerList: (bound) => `json_each(${bound}) AS w`,
  bindList: (values) => JSON.stringify(values),
};
