import { DuckDBInstance } from '@duckdb/node-api';
import { STORE_MANIFEST_PREFIX } from '../../src/manifest/store-manifest.js';
import { writeDuckdbFile, rowsOf } from '../stores/duckdb-fixtures.js';
import { loadDocs } from '../stores/helpers.js';

export const ROWS = 600;
/** Ids (1-based, row r has id r + 1) of rows made zero, NaN-holding and ragged. */
export const ZERO_IDS = [5, 77];
export const NAN_IDS = [12];
export const RAGGED_IDS = [300];

/**
 * A broken DuckDB store built by the real engine: `docs` (id PRIMARY KEY, embedding FLOAT[] raw
 * fastText lengths, body text NOT NULL, an index on body) holding zero, NaN and ragged rows.
 */
export async function brokenDuckdbStore(path: string): Promise<void> {
  const docs = await loadDocs(ROWS, false);
  const rows: number[][] = rowsOf(docs.data, docs.dim).map((row) => Array.from(row));
  for (const id of ZERO_IDS) rows[id - 1]?.fill(0);
  for (const id of RAGGED_IDS) rows[id - 1]?.pop();
  await writeDuckdbFile(path, rows, [
    `CREATE TABLE docs (id INTEGER PRIMARY KEY, embedding FLOAT[], body VARCHAR NOT NULL DEFAULT 'none')`,
    "INSERT INTO docs SELECT id, embedding, 'document ' || id FROM source ORDER BY id",
    `UPDATE docs SET embedding = list_transform(embedding, lambda x, i: CASE WHEN i = 3 THEN 'NaN'::FLOAT ELSE x END) WHERE id IN (${NAN_IDS.join(',')})`,
    'CREATE INDEX docs_body ON docs (body)',
    "COMMENT ON COLUMN docs.body IS 'the text'",
    'DROP TABLE source',
    'CHECKPOINT',
  ]);
}

/** What a client sees in the table: rows, vectors, the column type, the manifest, constraints kept. */
/** Opened read-write as an application would: a write-ahead log left by a killed writer is replayed. */
export async function duckdbState(path: string, table = 'docs'): Promise<{ rows: number; vectors: number; type: string; manifest: boolean; body: string; indexes: string[]; maxNormError: number }> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const one = async <T>(sql: string): Promise<T> => (await connection.runAndReadAll(sql)).getRowObjectsJS()[0] as T;
    const counts = await one<{ rows: bigint; vectors: bigint; type: string; err: number }>(
      `SELECT count(*) AS rows, count(embedding) AS vectors, any_value(typeof(embedding)) AS type, max(abs(sqrt(list_dot_product(CAST(embedding AS FLOAT[]), CAST(embedding AS FLOAT[]))) - 1)) FILTER (WHERE len(embedding) = 128 AND NOT list_any_value(list_transform(CAST(embedding AS FLOAT[]), lambda x: isnan(x)))) AS err FROM ${table}`,
    );
    const comment = await one<{ c: string | null }>(`SELECT comment AS c FROM duckdb_columns() WHERE table_name = '${table}' AND column_name = 'embedding'`);
    const body = await one<{ b: string }>(`SELECT body AS b FROM ${table} WHERE id = 2`).catch(() => ({ b: '' }));
    const indexes = (await connection.runAndReadAll(`SELECT sql FROM duckdb_indexes() WHERE table_name = '${table}' ORDER BY 1`)).getRowObjectsJS().map((row) => String(row.sql));
    return { rows: Number(counts.rows), vectors: Number(counts.vectors), type: counts.type, manifest: comment?.c?.startsWith(STORE_MANIFEST_PREFIX) ?? false, body: body?.b ?? '', indexes, maxNormError: counts.err };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
