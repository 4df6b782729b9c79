import { Rng } from '../../../math/rng.js';
import type { IndexBuildHistory, PushdownStats } from '../../source.js';
import type { PgvectorCatalog, PgvectorIndex } from '../../../engines/pgvector/catalog.js';
import { readOnlyTransaction, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import { formatVectorText } from '../../../engines/pgvector/vector-text.js';

/** Ids of zero vectors and repeated ids listed as examples. */
const FIRST_IDS = 20;
const DUPLICATE_ID_EXAMPLES = 5;

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
 * in one aggregate over the table. `full` false (a table over the budget) counts rows only.
 */
export async function readRowFacts(session: SqlSession, catalog: PgvectorCatalog, index: PgvectorIndex | undefined, dim: number, full: boolean): Promise<RowFacts> {
  const { relation, column } = catalog;
  if (!full) {
    const [row] = await readOnlyTransaction(session, () =>
      session.query<{ total: unknown; vectors: unknown }>(`SELECT count(*) AS total, count(${column.sql}) AS vectors FROM ${relation}`),
    );
    return { totalRows: toCount(row?.total), vectorRows: toCount(row?.vectors) };
  }
  const schema = catalog.extensionSchema;
  const norm = `${schema}.${column.type === 'vector' ? 'vector_norm' : 'l2_norm'}`;
  // Unconstrained columns may mix dimensions; compare only vectors of the checked dimension.
  const sameDim = catalog.column.dim > 0 || column.type === 'sparsevec' ? 'TRUE' : `${schema}.vector_dims(${column.sql}) = ${dim}`;
  // Exact duplicates share every projection; two random float projections make a false match
  // between different vectors vanishingly rare, and sorting two floats per row is cheap.
  const projections = randomProjections(dim, column.type);
  const params: unknown[] = [...projections];
  const projection = (i: number): string => `${column.sql} OPERATOR(${schema}.<#>) $${i + 1}::${schema}.${column.type}`;
  const selects = [
    'count(*) AS total',
    `count(${column.sql}) AS vectors`,
    `count(*) FILTER (WHERE ${sameDim} AND ${norm}(${column.sql}) = 0) AS zeros`,
    // A hashed DISTINCT over the two float8 columns: count(DISTINCT ARRAY[…]) sorts arrays, ~4× slower at 1M rows (measured).
    `(SELECT count(*) FROM (SELECT DISTINCT ${projection(0)}, ${projection(1)} FROM ${relation} WHERE ${column.sql} IS NOT NULL AND ${sameDim}) d) AS distinct_vectors`,
    `count(*) FILTER (WHERE ${column.sql} IS NOT NULL AND ${sameDim}) AS comparable`,
  ];
  if (catalog.idColumn) selects.push(`count(${catalog.idColumn.sql}) AS ids`, `count(DISTINCT ${catalog.idColumn.sql}) AS distinct_ids`);
  if (index) {
    // Transaction ids order writes: a row whose xmin is younger than the index's catalog row was
    // written after the index was built (or last rebuilt). Frozen rows read as old: never a false alarm.
    params.push(index.oid);
    selects.push(`count(*) FILTER (WHERE ${column.sql} IS NOT NULL AND age(xmin) < (SELECT age(c.xmin) FROM pg_class c WHERE c.oid = $${params.length}::oid)) AS after_build`);
  }
  return readOnlyTransaction(session, async () => {
    const [row] = await session.query<Record<string, unknown>>(`SELECT ${selects.join(', ')} FROM ${relation}`, params);
    const count = (name: string): number => toCount(row?.[name]);
    const totalRows = count('total');
    const vectorRows = count('vectors');
    const zeroRows = count('zeros');
    const duplicateVectorRows = Math.max(0, count('comparable') - count('distinct_vectors'));
    const zeroIds = zeroRows > 0 ? await firstZeroIds(session, catalog, norm, sameDim) : [];
    const duplicateIdRows = catalog.idColumn ? Math.max(0, count('ids') - count('distinct_ids')) : undefined;
    const duplicateIdExamples = duplicateIdRows ? await repeatedIds(session, catalog) : [];
    const pushdown: PushdownStats = {
      method: `one SQL aggregate over every row of ${catalog.tableName}`,
      totalRows,
      nullRows: totalRows - vectorRows,
      zeroRows,
      zeroIds,
      // pgvector rejects NaN and ±Inf on input ("NaN not allowed in vector"): none can be stored.
      nonfiniteRows: 0,
      duplicateVectorRows,
      ...(catalog.idColumn ? { duplicateIdRows, idColumn: catalog.idColumn.name, duplicateIdExamples } : {}),
    };
    const build = index ? buildHistory(index, vectorRows, count('after_build')) : undefined;
    return { totalRows, vectorRows, pushdown, ...(build ? { build } : {}) };
  });
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

async function firstZeroIds(session: SqlSession, catalog: PgvectorCatalog, norm: string, sameDim: string): Promise<string[]> {
  const { key, column, relation } = catalog;
  // The alias must not shadow the key column, or ORDER BY would sort the text form.
  const rows = await session.query<{ key_text: string }>(
    `SELECT ${key.sql}::text AS key_text FROM ${relation} WHERE ${sameDim} AND ${norm}(${column.sql}) = 0 ORDER BY ${key.sql} LIMIT ${FIRST_IDS}`,
  );
  return rows.map((row) => row.key_text);
}

async function repeatedIds(session: SqlSession, catalog: PgvectorCatalog): Promise<string[]> {
  const id = catalog.idColumn?.sql as string;
  const rows = await session.query<{ id_text: string }>(
    `SELECT ${id}::text AS id_text FROM ${catalog.relation} WHERE ${id} IS NOT NULL GROUP BY ${id} HAVING count(*) > 1 ORDER BY count(*) DESC, ${id} LIMIT ${DUPLICATE_ID_EXAMPLES}`,
  );
  return rows.map((row) => row.id_text);
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
