import Database from 'libsql';
import { getLoadablePath } from 'sqlite-vec';
import { buildSqliteStore } from '../../src/engines/sqlite/build-store.js';
import { MANIFEST_TABLE } from '../../src/engines/sqlite/manifest-table.js';
import type { LibsqlDatabase } from '../../src/engines/sqlite/session.js';
import { vectorBlob } from '../../src/engines/sqlite/vector-sql.js';
import { isStoreManifestText } from '../../src/manifest/store-manifest.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { brokenVectors as halfRawWithZeros } from './pgvector-store.js';

export { ROWS, ZERO_ROWS } from './pgvector-store.js';
export const NAN_ROW = 90;

/** Half the rows normalized, half raw (a second writer), three zero rows and one NaN row: what SQLite lets in. */
export async function brokenVectors(): Promise<VectorRows> {
  const vectors = await halfRawWithZeros();
  vectors.data[NAN_ROW * vectors.dim + 5] = Number.NaN;
  return vectors;
}

export function openWritable(file: string): LibsqlDatabase {
  const db = new Database(file) as unknown as LibsqlDatabase;
  db.loadExtension(getLoadablePath());
  return db;
}

/**
 * A SQLite file with the same broken vectors three ways, each with a text payload (`document <id>`):
 * `items`, a vec0 table ranking by L2 (the default) for a cosine model, with an auxiliary column;
 * `docs`, a libsql F32_BLOB column behind an l2 DiskANN index built before the data;
 * `blobs`, a plain BLOB column.
 */
export async function brokenSqliteStore(file: string): Promise<void> {
  const vectors = await brokenVectors();
  const db = openWritable(file);
  try {
    db.exec(`CREATE VIRTUAL TABLE items USING vec0(id integer primary key, embedding float[${vectors.dim}], +content text)`);
    const insert = db.prepare('INSERT INTO items(id, embedding, content) VALUES (?1, ?2, ?3)');
    db.exec('BEGIN');
    for (let row = 0; row < vectors.count; row++) insert.run([BigInt(row + 1), vectorBlob(vectors.data.subarray(row * vectors.dim, (row + 1) * vectors.dim)), `document ${row + 1}`]);
    db.exec('COMMIT');
    buildSqliteStore(db, { table: 'docs', vectors, layout: { kind: 'f32-blob', index: { metric: 'l2', buildBeforeData: true } } });
    buildSqliteStore(db, { table: 'blobs', vectors, layout: { kind: 'blob' } });
    for (const table of ['docs', 'blobs']) db.exec(`ALTER TABLE ${table} ADD COLUMN content TEXT; UPDATE ${table} SET content = 'document ' || id`);
  } finally {
    db.close();
  }
}

/** What a client sees of one table: rows, its declaration and vector indexes, the payload of id 2, the manifest, the largest |norm − 1|. */
export function sqliteTableState(file: string, table: string): { rows: number; schema: string[]; payload: unknown; manifest: boolean; maxNormError: number } {
  const db = openWritable(file);
  try {
    const rows = Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).all([]) as { n: number }[])[0]?.n);
    const schema = (db.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND (type = 'index' OR name = ?1) AND sql IS NOT NULL ORDER BY type, name").all([table]) as { sql: string }[]).map((r) => r.sql);
    const hasPayload = db.prepare("SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = 'content'").all([table]).length > 0;
    const payload = hasPayload ? (db.prepare(`SELECT content FROM ${table} WHERE id = 2`).all([]) as { content: unknown }[])[0]?.content : undefined;
    const hasManifestTable = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?1').all([MANIFEST_TABLE]).length > 0;
    const text = hasManifestTable ? (db.prepare(`SELECT manifest FROM ${MANIFEST_TABLE} WHERE table_name = ?1`).all([table]) as { manifest: string }[])[0]?.manifest : undefined;
    const norms = db.prepare(`SELECT max(abs(vector_distance_l2(embedding, zeroblob(${128 * 4})) - 1)) AS e FROM ${table}`).all([]) as { e: number | null }[];
    return { rows, schema, payload, manifest: isStoreManifestText(text), maxNormError: norms[0]?.e ?? Number.NaN };
  } finally {
    db.close();
  }
}
