import { readRowFacts, type VectorFacts } from '../sql/row-facts.js';
import type { SqlRunner } from '../sql/session.js';
import { DUCKDB_DIALECT } from './dialect.js';
import type { DuckdbSession } from './session.js';

/** What the shared aggregate (engines/sql) and DuckDB's extra counts say about every row. */
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
  /** Complete rows minus their exact distinct count. */
  readonly duplicateVectorRows: number;
  readonly duplicateIdRows?: number;
  readonly duplicateIdExamples?: readonly string[];
  /** L2 norms of the complete, finite rows. */
  readonly norms: { readonly min: number; readonly mean: number; readonly max: number };
  /** How the counts were computed, for evidence. */
  readonly method: string;
}

/** The relation the facts are computed over: any FROM item (a table, read_parquet([...])). */
export interface FactsRelation {
  readonly from: string;
  /** Shown in evidence. */
  readonly name: string;
  /** The vector column, quoted. */
  readonly column: string;
  readonly dim: number;
  /** Orders and names rows in the listings (the id column, rowid, file and row number). */
  readonly key: string;
  /** The application's id column: duplicate ids are counted on it. */
  readonly idColumn?: { readonly name: string; readonly sql: string };
}

/**
 * The per-row facts through the shared pushdown statements (engines/sql: one aggregate, an exact
 * DISTINCT for duplicates, never approx_count_distinct, which is a HyperLogLog ~4% off at 1M
 * rows) with DuckDB's list expressions, plus the counts only list columns need (ragged rows, NULL
 * values inside a vector) and the norm range, in the same pass.
 */
export async function readDuckdbRowFacts(session: DuckdbSession, relation: FactsRelation): Promise<DuckdbRowFacts> {
  const runner: SqlRunner = {
    query: (sql, params) => session.rows(sql, params),
    // The database is opened READ_ONLY (or is in-memory over files): every statement already sees one snapshot.
    snapshot: (work) => work(),
  };
  const v = relation.column;
  const complete = completeTest(v, relation.dim);
  const finite = `${complete} AND NOT ${nonfiniteTest(v)}`;
  const facts = await readRowFacts({
    dialect: DUCKDB_DIALECT,
    runner,
    table: { relation: relation.from, tableName: relation.name, key: relation.key, idColumn: relation.idColumn },
    vector: duckdbVectorFacts(v, relation.dim),
    full: true,
    method: `one DuckDB aggregate over every row of ${relation.name}`,
    extraCounts: () => ({
      ragged: `count(*) FILTER (WHERE ${v} IS NOT NULL AND len(${v}) <> ${relation.dim})`,
      null_values: `count(*) FILTER (WHERE len(${v}) = ${relation.dim} AND list_count(${v}) < ${relation.dim})`,
      norm_min: `min(${normOf(v)}) FILTER (WHERE ${finite})`,
      norm_mean: `avg(${normOf(v)}) FILTER (WHERE ${finite})`,
      norm_max: `max(${normOf(v)}) FILTER (WHERE ${finite})`,
    }),
  });
  const pushdown = facts.pushdown;
  const extra = facts.extra;
  return {
    totalRows: facts.totalRows,
    nullRows: facts.totalRows - facts.vectorRows,
    raggedRows: extra.ragged ?? 0,
    nullValueRows: extra.null_values ?? 0,
    zeroRows: pushdown?.zeroRows ?? 0,
    zeroIds: pushdown?.zeroIds ?? [],
    nonfiniteRows: pushdown?.nonfiniteRows ?? 0,
    duplicateVectorRows: pushdown?.duplicateVectorRows ?? 0,
    ...(pushdown?.duplicateIdRows !== undefined ? { duplicateIdRows: pushdown.duplicateIdRows, duplicateIdExamples: pushdown.duplicateIdExamples ?? [] } : {}),
    norms: { min: extra.norm_min ?? Number.NaN, mean: extra.norm_mean ?? Number.NaN, max: extra.norm_max ?? Number.NaN },
    method: pushdown?.method ?? `one DuckDB aggregate over every row of ${relation.name}`,
  };
}

/** DuckDB's answers to the shared per-row questions, over FLOAT[n], FLOAT[] and DOUBLE[] alike. */
export function duckdbVectorFacts(column: string, dim: number): VectorFacts {
  return {
    column,
    // Rows of the checked length with no NULL value: the rows the scan turns into vectors.
    sameDim: () => completeTest(column, dim),
    isZero: () => `list_bool_and(list_transform(${column}, lambda x: x = 0))`,
    nonfinite: () => nonfiniteTest(column),
    // DuckDB hashes list values natively: DISTINCT over the column itself is exact and fast.
    identity: () => [column],
  };
}

function completeTest(column: string, dim: number): string {
  return `len(${column}) = ${dim} AND list_count(${column}) = ${dim}`;
}

function nonfiniteTest(column: string): string {
  return `list_bool_or(list_transform(${column}, lambda x: isnan(x) OR isinf(x)))`;
}

/** The norm in double precision (a FLOAT list's own dot product would round to float). */
function normOf(column: string): string {
  return `sqrt(list_sum(list_transform(${column}, lambda x: CAST(x AS DOUBLE) * CAST(x AS DOUBLE))))`;
}
