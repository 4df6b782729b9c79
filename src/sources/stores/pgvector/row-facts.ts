import { POSTGRES_DIALECT, type SqlParams } from '../../../engines/sql/dialect.js';
import { readRowFacts as readSqlRowFacts, type VectorFacts } from '../../../engines/sql/row-facts.js';
import type { SqlRunner } from '../../../engines/sql/session.js';
import { Rng } from '../../../math/rng.js';
import type { IndexBuildHistory, PushdownStats } from '../../source.js';
import type { PgvectorCatalog, PgvectorIndex } from './catalog.js';
import { readOnlyTransaction, type SqlSession } from './sql-session.js';
import { formatVectorText } from './vector-text.js';

/** What one pass over the table tells us, computed by Postgres: only the counts travel. */
export interface RowFacts {
  readonly totalRows: number;
  readonly vectorRows: number;
  /** Undefined when the table was too big for a full aggregate (then only the counts above are exact). */
  readonly pushdown?: PushdownStats;
  readonly build?: IndexBuildHistory;
}

/**
 * Count rows, NULL and zero vectors, duplicate vectors and ids, and rows written after the index,
 * in one aggregate over the table (the shared statements of engines/sql with pgvector's
 * expressions). `full` false (a table over the budget) counts rows only.
 */
export async function readRowFacts(session: SqlSession, catalog: PgvectorCatalog, index: PgvectorIndex | undefined, dim: number, full: boolean): Promise<RowFacts> {
  const runner: SqlRunner = { query: (sql, params) => session.query(sql, params), snapshot: (work) => readOnlyTransaction(session, work) };
  const facts = await readSqlRowFacts({
    dialect: POSTGRES_DIALECT,
    runner,
    table: { relation: catalog.relation, tableName: catalog.tableName, key: catalog.key.sql, ...(catalog.idColumn ? { idColumn: catalog.idColumn } : {}) },
    vector: pgvectorFacts(catalog, dim),
    full,
    ...(index ? { extraCounts: (params: SqlParams) => ({ after_build: afterBuildCount(catalog, index, params) }) } : {}),
  });
  const build = index && facts.pushdown ? buildHistory(index, facts.vectorRows, facts.extra.after_build ?? 0) : undefined;
  return { totalRows: facts.totalRows, vectorRows: facts.vectorRows, ...(facts.pushdown ? { pushdown: facts.pushdown } : {}), ...(build ? { build } : {}) };
}

/** pgvector's answers to the per-row questions. NaN and ±Inf are rejected on input ("NaN not allowed in vector"). */
function pgvectorFacts(catalog: PgvectorCatalog, dim: number): VectorFacts {
  const { column } = catalog;
  const schema = catalog.extensionSchema;
  const norm = `${schema}.${column.type === 'vector' ? 'vector_norm' : 'l2_norm'}`;
  // Unconstrained columns may mix dimensions; compare only vectors of the checked dimension.
  const sameDim = column.dim > 0 || column.type === 'sparsevec' ? 'TRUE' : `${schema}.vector_dims(${column.sql}) = ${dim}`;
  return {
    column: column.sql,
    sameDim: () => sameDim,
    isZero: () => `${norm}(${column.sql}) = 0`,
    // Exact duplicates share every projection; two random float projections make a false match
    // between different vectors vanishingly rare, and a hashed DISTINCT over two float8 columns is
    // ~4× faster at 1M rows than count(DISTINCT ARRAY[…]), which sorts arrays (measured).
    identity: (params) => randomProjections(dim, column.type).map((direction) => `${column.sql} OPERATOR(${schema}.<#>) ${params.bind(direction)}::${schema}.${column.type}`),
  };
}

/**
 * Transaction ids order writes: a row whose xmin is younger than the index's catalog row was
 * written after the index was built (or last rebuilt). Frozen rows read as old: never a false alarm.
 */
function afterBuildCount(catalog: PgvectorCatalog, index: PgvectorIndex, params: SqlParams): string {
  return `count(*) FILTER (WHERE ${catalog.column.sql} IS NOT NULL AND age(xmin) < (SELECT age(c.xmin) FROM pg_class c WHERE c.oid = ${params.bind(index.oid)}::oid))`;
}

function buildHistory(index: PgvectorIndex, vectorRows: number, afterBuild: number): IndexBuildHistory {
  const atBuild = Math.max(0, vectorRows - afterBuild);
  const lists = index.options.lists ?? 0;
  return {
    rowsAtBuild: atBuild,
    rowsAfterBuild: afterBuild,
    method: "row transaction ids (xmin) compared with the index's catalog entry",
    ...(index.method === 'ivfflat' ? { listsTrained: lists } : {}),
    // pgvector's own build-time notice, which the application never saw: k-means had fewer rows than lists.
    ...(index.method === 'ivfflat' && atBuild < lists ? { warning: 'ivfflat index created with little data' } : {}),
  };
}

/** Two fixed pseudo-random directions (seeded: the count is the same on every run). */
function randomProjections(dim: number, type: string): [string, string] {
  const rng = new Rng(0x6a09e667);
  const make = (): string => {
    const values = new Float32Array(dim);
    for (let i = 0; i < dim; i++) values[i] = rng.nextGaussian();
    return formatVectorText(values, type);
  };
  return [make(), make()];
}
