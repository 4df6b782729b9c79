import type { PushdownStats } from '../../core/pushdown-stats.js';
import { type SqlDialect, SqlParams } from './dialect.js';
import { type SqlRunner, toCount } from './session.js';

/** Ids of zero vectors and repeated ids listed as examples. */
const FIRST_IDS = 20;
const DUPLICATE_ID_EXAMPLES = 5;

/** The table the facts are counted over, as SQL text (identifiers already quoted by the dialect). */
export interface FactsTable {
  /** The relation: `"schema"."table"`. */
  readonly relation: string;
  /** Shown in the evidence ("one SQL aggregate over every row of docs"). */
  readonly tableName: string;
  /** Orders rows (zero ids are listed first by it) and names them: primary key, rowid, ctid. */
  readonly key: string;
  /** A document-id column whose repeats are counted (`?id=`). */
  readonly idColumn?: { readonly sql: string; readonly name: string };
}

/**
 * How an engine's vector column answers the per-row questions, as SQL expressions over the column.
 * Each may bind parameters (a zero vector, projection directions) through `params`.
 */
export interface VectorFacts {
  /** The vector column, quoted. */
  readonly column: string;
  /** True for rows whose vector has the checked dimension ('TRUE' when the column type fixes it). */
  sameDim(params: SqlParams): string;
  /** True for an all-zero vector (evaluated on rows of the checked dimension). */
  isZero(params: SqlParams): string;
  /** True for a vector holding NaN or ±Inf; undefined when the column type rejects them on input. */
  nonfinite?(params: SqlParams): string;
  /**
   * Cheap per-row values (e.g. two random projections) that are equal for equal vectors: rows whose
   * tuple is unique are certainly not duplicates. Rows sharing a tuple are then compared exactly
   * (the column itself), so the count is exact and the expensive comparison runs only on candidates.
   */
  projections(params: SqlParams): readonly string[];
}

export interface RowFactsRequest {
  readonly dialect: SqlDialect;
  readonly runner: SqlRunner;
  readonly table: FactsTable;
  readonly vector: VectorFacts;
  /** False (a table over the pushdown budget): count rows only. */
  readonly full: boolean;
  /** Extra counts an engine adds to the same aggregate (pgvector: rows written after the index). */
  readonly extraCounts?: (params: SqlParams) => Readonly<Record<string, string>>;
  /** How the counts are described in the evidence (default: one SQL aggregate over every row of the table). */
  readonly method?: string;
}

/** What one pass over the table tells us, computed by the engine: only the counts travel. */
export interface RowFacts {
  readonly totalRows: number;
  readonly vectorRows: number;
  /** Undefined when the table was too big for a full aggregate (then only the counts above are exact). */
  readonly pushdown?: PushdownStats;
  /** The engine's extra counts, by the names it gave them. */
  readonly extra: Readonly<Record<string, number>>;
}

/**
 * Count rows, NULL, zero and non-finite vectors, exact duplicate vectors and duplicate ids in one
 * aggregate over the table, in one read-only snapshot. The statements are the same on every
 * engine (and on one node or many: Citus, MotherDuck and Turso run them where the rows are);
 * only the dialect's quoting and the column's expressions differ.
 */
export async function readRowFacts(request: RowFactsRequest): Promise<RowFacts> {
  const { dialect, runner, table, vector } = request;
  if (!request.full) {
    const [row] = await runner.snapshot(() => runner.query<{ total: unknown; vectors: unknown }>(countStatement(table, vector)));
    return { totalRows: toCount(row?.total), vectorRows: toCount(row?.vectors), extra: {} };
  }
  const { sql, params, extraNames } = aggregateStatement(request);
  return runner.snapshot(async () => {
    const [row] = await runner.query<Record<string, unknown>>(sql, params);
    const count = (name: string): number => toCount(row?.[name]);
    const totalRows = count('total');
    const vectorRows = count('vectors');
    const zeroRows = count('zeros');
    // Distinct projections prove distinct vectors; only rows sharing one are compared exactly.
    const candidates = count('comparable') - count('distinct_projections');
    const duplicateVectorRows = candidates > 0 ? await exactDuplicates(dialect, runner, table, vector) : 0;
    const zeroIds = zeroRows > 0 ? await firstZeroIds(dialect, runner, table, vector) : [];
    const duplicateIdRows = table.idColumn ? Math.max(0, count('ids') - count('distinct_ids')) : undefined;
    const duplicateIdExamples = duplicateIdRows ? await repeatedIds(dialect, runner, table) : [];
    const pushdown: PushdownStats = {
      method: request.method ?? `one SQL aggregate over every row of ${table.tableName}`,
      totalRows,
      nullRows: totalRows - vectorRows,
      zeroRows,
      zeroIds,
      // A column type that rejects NaN and ±Inf on input (pgvector) cannot hold any.
      nonfiniteRows: vector.nonfinite ? count('nonfinite') : 0,
      duplicateVectorRows,
      ...(table.idColumn ? { duplicateIdRows, idColumn: table.idColumn.name, duplicateIdExamples } : {}),
    };
    const extra = Object.fromEntries(extraNames.map((name) => [name, count(name)]));
    return { totalRows, vectorRows, pushdown, extra };
  });
}

/** The statement a table over the budget gets: rows and rows with a vector. */
export function countStatement(table: FactsTable, vector: VectorFacts): string {
  return `SELECT count(*) AS total, count(${vector.column}) AS vectors FROM ${table.relation}`;
}

/** The one aggregate: every count in a single pass (plus one DISTINCT subquery for duplicates). */
export function aggregateStatement(request: RowFactsRequest): { sql: string; params: unknown[]; extraNames: string[] } {
  const { dialect, table, vector } = request;
  const params = new SqlParams(dialect);
  const column = vector.column;
  const selects = ['count(*) AS total', `count(${column}) AS vectors`, `count(*) FILTER (WHERE ${vector.sameDim(params)} AND ${vector.isZero(params)}) AS zeros`];
  if (vector.nonfinite) selects.push(`count(*) FILTER (WHERE ${column} IS NOT NULL AND ${vector.sameDim(params)} AND ${vector.nonfinite(params)}) AS nonfinite`);
  // Exact duplicates among valid rows (finite, not zero: the rows the file reader hashes), by a
  // DISTINCT over the vector's identity — never an approximate distinct count.
  const projections = vector.projections(params).join(', ');
  selects.push(
    `(SELECT count(*) FROM (SELECT DISTINCT ${projections} FROM ${table.relation} WHERE ${validRow(vector, params)}) d) AS distinct_projections`,
    `count(*) FILTER (WHERE ${validRow(vector, params)}) AS comparable`,
  );
  if (table.idColumn) selects.push(`count(${table.idColumn.sql}) AS ids`, `count(DISTINCT ${table.idColumn.sql}) AS distinct_ids`);
  const extra = request.extraCounts?.(params) ?? {};
  for (const [name, expression] of Object.entries(extra)) selects.push(`${expression} AS ${name}`);
  return { sql: `SELECT ${selects.join(', ')} FROM ${table.relation}`, params: params.values, extraNames: Object.keys(extra) };
}

/** Valid rows: a vector of the checked dimension, finite and not zero (the rows the file reader hashes for duplicates). */
function validRow(vector: VectorFacts, params: SqlParams): string {
  const nonfinite = vector.nonfinite ? ` AND NOT (${vector.nonfinite(params)})` : '';
  return `${vector.column} IS NOT NULL AND ${vector.sameDim(params)} AND NOT (${vector.isZero(params)})${nonfinite}`;
}

/**
 * Rows whose vector repeats another's, exactly: within each group of rows sharing their projections,
 * the rows beyond the group's distinct vectors (the engine compares the vectors themselves).
 */
export function exactDuplicatesStatement(dialect: SqlDialect, table: FactsTable, vector: VectorFacts): { sql: string; params: unknown[] } {
  const params = new SqlParams(dialect);
  const projections = vector.projections(params).map((expression, i) => `${expression} AS p${i}`);
  const groupBy = projections.map((_, i) => `p${i}`).join(', ');
  const sql = `SELECT sum(c - dv) AS duplicates FROM (SELECT count(*) AS c, count(DISTINCT v) AS dv FROM (SELECT ${projections.join(', ')}, ${vector.column} AS v FROM ${table.relation} WHERE ${validRow(vector, params)}) x GROUP BY ${groupBy} HAVING count(*) > 1) g`;
  return { sql, params: params.values };
}

async function exactDuplicates(dialect: SqlDialect, runner: SqlRunner, table: FactsTable, vector: VectorFacts): Promise<number> {
  const { sql, params } = exactDuplicatesStatement(dialect, table, vector);
  const [row] = await runner.query<{ duplicates: unknown }>(sql, params);
  return toCount(row?.duplicates);
}

async function firstZeroIds(dialect: SqlDialect, runner: SqlRunner, table: FactsTable, vector: VectorFacts): Promise<string[]> {
  const params = new SqlParams(dialect);
  // The alias must not shadow the key column, or ORDER BY would sort the text form.
  const rows = await runner.query<{ key_text: unknown }>(
    `SELECT ${dialect.asText(table.key)} AS key_text FROM ${table.relation} WHERE ${vector.sameDim(params)} AND ${vector.isZero(params)} ORDER BY ${table.key} LIMIT ${FIRST_IDS}`,
    params.values,
  );
  return rows.map((row) => String(row.key_text));
}

async function repeatedIds(dialect: SqlDialect, runner: SqlRunner, table: FactsTable): Promise<string[]> {
  const id = table.idColumn?.sql as string;
  const rows = await runner.query<{ id_text: unknown }>(
    `SELECT ${dialect.asText(id)} AS id_text FROM ${table.relation} WHERE ${id} IS NOT NULL GROUP BY ${id} HAVING count(*) > 1 ORDER BY count(*) DESC, ${id} LIMIT ${DUPLICATE_ID_EXAMPLES}`,
  );
  return rows.map((row) => String(row.id_text));
}
