/** The driver module, loaded by the caller through its optional-dependency loader. */
export type DuckdbDriver = typeof import('@duckdb/node-api');
