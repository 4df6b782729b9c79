import { DuckDBInstance, FLOAT, LIST, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Build a DuckDB file with the real engine: `source` (id, embedding FLOAT[]) appended from the
 * given rows, then every other table derived from it by SQL (so broken variants cost one statement).
 */
export async function writeDuckdbFile(path: string, rows: readonly ArrayLike<number>[], statements: readonly string[]): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await appendSource(connection, rows);
    for (const statement of statements) await connection.run(statement);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function appendSource(connection: DuckDBConnection, rows: readonly ArrayLike<number>[]): Promise<void> {
  await connection.run('CREATE TABLE source (id INTEGER, embedding FLOAT[])');
  const appender = await connection.createAppender('source');
  const type = LIST(FLOAT);
  rows.forEach((vector, i) => {
    appender.appendInteger(i + 1);
    appender.appendList(Array.from(vector), type);
    appender.endRow();
  });
  appender.closeSync();
}

/** Every vector of a FLOAT[n]/FLOAT[]/DOUBLE[] column in rowid order, as float32 rows (for a .npy export). */
export async function readDuckdbVectors(path: string, table: string, dim: number): Promise<Float32Array> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT CAST(embedding AS FLOAT[]) AS v FROM ${table} ORDER BY rowid`);
    const rows = reader.getRowsJS() as unknown as [number[]][];
    const out = new Float32Array(rows.length * dim);
    rows.forEach(([vector], i) => out.set(vector, i * dim));
    return out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows of a row-major matrix as separate vectors. */
export function rowsOf(data: Float32Array, dim: number, count = data.length / dim): Float32Array[] {
  return Array.from({ length: count }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
}
