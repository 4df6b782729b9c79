import { type SqlDialect, SqlParams } from './dialect.js';
import { type SqlRunner, toCount } from './session.js';

/** Where sampled rows come from: rows with a vector, numbered 0… in key order. */
export interface SampleTable {
  readonly relation: string;
  readonly key: string;
  readonly column: string;
}

/**
 * The keys of the rows at these ranks (row numbers in key order among rows with a vector), resolved
 * by the engine with a window over the key only: the sample's row numbers (drawn from a seeded
 * generator, so every run reads the same rows) travel to the engine, only their keys come back.
 */
export async function keysAtRanks(dialect: SqlDialect, runner: SqlRunner, table: SampleTable, ranks: readonly number[]): Promise<Map<number, string>> {
  if (ranks.length === 0) return new Map();
  const params = new SqlParams(dialect);
  const list = params.bind(dialect.bindList(ranks));
  const rows = await runner.query<{ rn: unknown; k: unknown }>(
    `SELECT w.value AS rn, ${dialect.asText('s.k')} AS k
       FROM (SELECT ${table.key} AS k, row_number() OVER (ORDER BY ${table.key}) - 1 AS rn FROM ${table.relation} WHERE ${table.column} IS NOT NULL) s
       JOIN ${dialect.integerList(list)} ON w.value = s.rn`,
    params.values,
  );
  return new Map(rows.map((row) => [toCount(row.rn), String(row.k)]));
}
