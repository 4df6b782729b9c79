import type { DuckdbSession } from './session.js';
import { toCount } from './session.js';

/** Ids of the first zero rows and repeated ids listed (the rest are counted). */
const FIRST_IDS = 10;

/** What one SQL aggregate over every row says (the statement is `rowFactsSql`). */
export interface DuckdbRowFacts {
  readonly totalRows: number;
  /** Rows whose vector is NULL. */
  readonly nullRows: number;
  /** Non-NULL rows whose length is not the dimension (list columns only). */
  readonly raggedRows: number;
  /** Rows of the right length holding a NULL value. */
  readonly nullValueRows: number;
  readonly zeroRows: number;
  readonly zeroIds: readonly string[];
  /** Rows holding NaN or ±Inf. */
  readonly nonfiniteRows: number;
  /** Complete rows (right length, no NULL value) minus their exact distinct count. */
  readonly duplicateVectorRows: number;
  readonly duplicateIdRows?: number;
  readonly duplicateIdExamples?: readonly string[];
  /** L2 norms of the complete, finite rows. */
  readonly norms: { readonly min: number; readonly mean: number; readonly max: number };
}

/** The relation the facts are computed over: any FROM item (a table, read_parquet([...])). */
export interface FactsRelation {
  readonly from: string;
  /** The vector column, quoted. */
  readonly column: string;
  readonly dim: number;
  /** An expression naming a row for the user (the id column, else rowid / file_row_number), or undefined. */
  readonly rowName?: string | undefined;
  /** The application's id column, quoted, when there is one: duplicate ids are counted on it. */
  readonly idColumn?: string | undefined;
}

/**
 * The per-row facts as ONE aggregate statement, so the engine reads every row once and sends
 * back a handful of numbers (the same SQL runs on a laptop file or MotherDuck). Duplicates are
 * counted with an exact DISTINCT: approx_count_distinct is a HyperLogLog (~4% off at 1M rows),
 * and a store with 0.5% duplicated rows must not read as clean.
 */
export function rowFactsSql(relation: FactsRelation): string {
  const v = relation.column;
  const complete = `len(${v}) = ${relation.dim} AND list_count(${v}) = ${relation.dim}`;
  const selects = [
    'count(*) AS total',
    `count(*) FILTER (WHERE ${v} IS NULL) AS nulls`,
    `count(*) FILTER (WHERE ${v} IS NOT NULL AND len(${v}) <> ${relation.dim}) AS ragged`,
    `count(*) FILTER (WHERE len(${v}) = ${relation.dim} AND list_count(${v}) < ${relation.dim}) AS null_values`,
    `count(*) FILTER (WHERE ${complete} AND ${zeroTest(v)}) AS zeros`,
    `count(*) FILTER (WHERE ${complete} AND ${nonfiniteTest(v)}) AS nonfinite`,
    `count(*) FILTER (WHERE ${complete}) AS complete`,
    `count(DISTINCT ${v}) FILTER (WHERE ${complete}) AS distinct_vectors`,
    `min(${normOf(v)}) FILTER (WHERE ${complete} AND NOT ${nonfiniteTest(v)}) AS norm_min`,
    `avg(${normOf(v)}) FILTER (WHERE ${complete} AND NOT ${nonfiniteTest(v)}) AS norm_mean`,
    `max(${normOf(v)}) FILTER (WHERE ${complete} AND NOT ${nonfiniteTest(v)}) AS norm_max`,
  ];
  if (relation.idColumn) selects.push(`count(${relation.idColumn}) AS ids`, `count(DISTINCT ${relation.idColumn}) AS distinct_ids`);
  return `SELECT ${selects.join(', ')} FROM ${relation.from}`;
}

/** The first rows (in scan order) whose vector is all zeros, by name. */
export function zeroIdsSql(relation: FactsRelation): string | undefined {
  if (!relation.rowName) return undefined;
  const v = relation.column;
  return `SELECT CAST(${relation.rowName} AS VARCHAR) AS name FROM ${relation.from} WHERE len(${v}) = ${relation.dim} AND list_count(${v}) = ${relation.dim} AND ${zeroTest(v)} LIMIT ${FIRST_IDS}`;
}

/** A few ids held by more than one row, most repeated first. */
export function repeatedIdsSql(relation: FactsRelation): string | undefined {
  const id = relation.idColumn;
  if (!id) return undefined;
  return `SELECT CAST(${id} AS VARCHAR) AS name FROM ${relation.from} WHERE ${id} IS NOT NULL GROUP BY ${id} HAVING count(*) > 1 ORDER BY count(*) DESC, ${id} LIMIT ${FIRST_IDS}`;
}

export async function readDuckdbRowFacts(session: DuckdbSession, relation: FactsRelation): Promise<DuckdbRowFacts> {
  const [row = {}] = await session.rows<Record<string, unknown>>(rowFactsSql(relation));
  const count = (name: string): number => toCount(row[name]);
  const zeroRows = count('zeros');
  const zeroSql = zeroRows > 0 ? zeroIdsSql(relation) : undefined;
  const zeroIds = zeroSql ? (await session.rows<{ name: string }>(zeroSql)).map((found) => found.name) : [];
  const duplicateIdRows = relation.idColumn ? Math.max(0, count('ids') - count('distinct_ids')) : undefined;
  const repeatedSql = duplicateIdRows ? repeatedIdsSql(relation) : undefined;
  const duplicateIdExamples = repeatedSql ? (await session.rows<{ name: string }>(repeatedSql)).map((found) => found.name) : [];
  return {
    totalRows: count('total'),
    nullRows: count('nulls'),
    raggedRows: count('ragged'),
    nullValueRows: count('null_values'),
    zeroRows,
    zeroIds,
    nonfiniteRows: count('nonfinite'),
    duplicateVectorRows: Math.max(0, count('complete') - count('distinct_vectors')),
    ...(duplicateIdRows !== undefined ? { duplicateIdRows, duplicateIdExamples } : {}),
    norms: { min: Number(row.norm_min ?? Number.NaN), mean: Number(row.norm_mean ?? Number.NaN), max: Number(row.norm_max ?? Number.NaN) },
  };
}

/** All components exactly zero (−0 included), as the in-process scan defines a zero row. */
function zeroTest(v: string): string {
  return `list_bool_and(list_transform(${v}, lambda x: x = 0))`;
}

function nonfiniteTest(v: string): string {
  return `list_bool_or(list_transform(${v}, lambda x: isnan(x) OR isinf(x)))`;
}

/** The norm in double precision (list_dot_product of FLOAT lists would round to float). */
function normOf(v: string): string {
  return `sqrt(list_sum(list_transform(${v}, lambda x: CAST(x AS DOUBLE) * CAST(x AS DOUBLE))))`;
}
