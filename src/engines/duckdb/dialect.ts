import { doubleQuote, type SqlDialect } from '../sql/dialect.js';

/**
 * DuckDB (files, Parquet lakes, MotherDuck): `$n` parameters; a list travels as its text form
 * ('[3,17,42]') and is cast to BIGINT[] by the engine, so the dialect needs no driver value type.
 */
export const DUCKDB_DIALECT: SqlDialect = {
  name: 'duckdb',
  quoteIdent: doubleQuote,
  placeholder: (position) => `$${position}`,
  asText: (expression) => `CAST(${expression} AS VARCHAR)`,
  integerList: (bound) => `(SELECT unnest(CAST(${bound} AS BIGINT[])) AS value) AS w`,
  bindList: (values) => `[${values.map((value) => String(Math.trunc(value))).join(',')}]`,
};
