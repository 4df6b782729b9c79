import { randomBytes } from 'node:crypto';
import type { Metric } from '../../../core/policy.js';
import { formatVectorText } from '../../../engines/pgvector/vector-text.js';
import { quoteIdent, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import type { IndexParams } from '../../params.js';

/** Rows per INSERT: ~3 MB of vector text at 768 dimensions, well under any statement limit. */
const INSERT_ROWS = 1000;
/** pgvector builds HNSW far faster while the graph fits maintenance_work_mem; more than this is the DBA's call. */
const MAX_MAINTENANCE_MEMORY_MB = 1024;
const MIN_MAINTENANCE_MEMORY_MB = 64;

export interface VectorColumnType {
  /** Schema-qualified pgvector type name, e.g. "public".vector. */
  readonly qualified: string;
  /** vector or halfvec. */
  readonly name: 'vector' | 'halfvec';
  readonly dim: number;
}

/** Rows to insert into the relation `into`, whose columns are (key, vector[, extra]) in that order; keys are cast to `keyType`. */
export interface RowsToInsert {
  readonly into: string;
  readonly keyType: string;
  readonly type: VectorColumnType;
  readonly keys: readonly string[];
  /** keys.length × type.dim, row-major. */
  readonly data: Float32Array;
  readonly extra?: { readonly type: string; readonly values: readonly (readonly string[])[] };
}

/** Insert rows (key text, vector[, extra]) in batches. */
export async function insertRows(session: SqlSession, rows: RowsToInsert): Promise<void> {
  const { into, keyType, type, keys, data, extra } = rows;
  const { dim } = type;
  for (let start = 0; start < keys.length; start += INSERT_ROWS) {
    const end = Math.min(keys.length, start + INSERT_ROWS);
    const texts: string[] = [];
    for (let row = start; row < end; row++) texts.push(formatVectorText(data.subarray(row * dim, (row + 1) * dim), type.name));
    const batchKeys = keys.slice(start, end);
    if (extra) {
      // Arrays of arrays do not unnest row by row: pass each row's list as one JSON text.
      const lists = extra.values.slice(start, end).map((list) => JSON.stringify(list));
      await session.query(
        `INSERT INTO ${into} SELECT k::${keyType}, v::${type.qualified}(${dim}), ARRAY(SELECT jsonb_array_elements_text(a::jsonb))::${extra.type} FROM unnest($1::text[], $2::text[], $3::text[]) AS u(k, v, a)`,
        [batchKeys, texts, lists],
      );
    } else {
      await session.query(`INSERT INTO ${into} SELECT k::${keyType}, v::${type.qualified}(${dim}) FROM unnest($1::text[], $2::text[]) AS u(k, v)`, [batchKeys, texts]);
    }
  }
}

/**
 * Make the table hold exactly the staged rows' vectors: delete rows (with a vector) whose key was
 * not staged, then rewrite the vectors that changed. Rows without a vector are left alone.
 */
export async function applyStagedRows(session: SqlSession, relation: string, keySql: string, columnSql: string): Promise<{ deleted: number; updated: number }> {
  const deleted = await session.query<{ n: string | number }>(
    `WITH gone AS (DELETE FROM ${relation} t WHERE t.${columnSql} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vectorclinic_stage s WHERE s.k = t.${keySql}) RETURNING 1) SELECT count(*) AS n FROM gone`,
  );
  const updated = await session.query<{ n: string | number }>(
    `WITH changed AS (UPDATE ${relation} t SET ${columnSql} = s.v FROM vectorclinic_stage s WHERE t.${keySql} = s.k AND t.${columnSql} IS DISTINCT FROM s.v RETURNING 1) SELECT count(*) AS n FROM changed`,
  );
  return { deleted: toCount(deleted[0]?.n), updated: toCount(updated[0]?.n) };
}

/** pgvector's operator class for a metric: the one a query's ORDER BY operator (<=>, <#>, <->) needs. */
export function opclassFor(type: 'vector' | 'halfvec', metric: Metric): string {
  return `${type}_${metric === 'cosine' ? 'cosine' : metric === 'ip' ? 'ip' : 'l2'}_ops`;
}

/** CREATE INDEX … USING hnsw|ivfflat (column opclass) WITH (…); nothing for flat (exact scans). */
export function createIndexStatement(relation: string, columnSql: string, opclass: string, params: IndexParams): string | undefined {
  if (params.type === 'hnsw') return `CREATE INDEX ON ${relation} USING hnsw (${columnSql} ${opclass}) WITH (m = ${params.hnsw.M}, ef_construction = ${params.hnsw.efConstruction})`;
  if (params.type === 'ivfflat') return `CREATE INDEX ON ${relation} USING ivfflat (${columnSql} ${opclass}) WITH (lists = ${params.ivfflat.lists})`;
  return undefined;
}

/** maintenance_work_mem for this build (transaction-local): the HNSW graph in memory, within bounds. */
export async function sizeMaintenanceMemory(session: SqlSession, rows: number, dim: number, params: IndexParams): Promise<number> {
  const perRow = dim * 4 + (params.type === 'hnsw' ? params.hnsw.M * 2 * 8 + 64 : 16);
  const megabytes = Math.round(Math.min(MAX_MAINTENANCE_MEMORY_MB, Math.max(MIN_MAINTENANCE_MEMORY_MB, (rows * perRow * 1.2) / 2 ** 20)));
  await session.query(`SET LOCAL maintenance_work_mem = '${megabytes}MB'`);
  return megabytes;
}

/** COMMENT ON COLUMN with the text dollar-quoted (COMMENT takes no bind parameters). */
export async function commentOnColumn(session: SqlSession, relation: string, columnSql: string, text: string): Promise<void> {
  let tag = `vc${randomBytes(6).toString('hex')}`;
  while (text.includes(`$${tag}$`)) tag = `vc${randomBytes(6).toString('hex')}`;
  await session.query(`COMMENT ON COLUMN ${relation}.${columnSql} IS $${tag}$${text}$${tag}$`);
}

export function qualifiedRelation(schema: string | undefined, table: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}
