import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { STORE_MANIFEST_PREFIX } from '../../src/manifest/store-manifest.js';
import { buildPgvectorStore, type VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { loadDocs } from '../stores/helpers.js';

export const ROWS = 1200;
export const ZERO_ROWS = [3, 40, 777];
export const HNSW = { M: 8, efConstruction: 40 };

/** Half the rows normalized, half raw (a second writer), and the ZERO_ROWS zeroed: the vectors of every broken store fixture. */
export async function brokenVectors(): Promise<VectorRows> {
  const clean = await loadDocs(ROWS / 2, true);
  const raw = await loadDocs(ROWS, false);
  const data = new Float32Array(ROWS * clean.dim);
  data.set(clean.data);
  data.set(raw.data.subarray((ROWS / 2) * clean.dim), (ROWS / 2) * clean.dim);
  for (const row of ZERO_ROWS) data.fill(0, row * clean.dim, (row + 1) * clean.dim);
  return { data, count: ROWS, dim: clean.dim };
}

export async function withDb<T>(dataDir: string, work: (db: PGlite) => Promise<T>): Promise<T> {
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** What a client sees in the table: rows, vector indexes, the column comment's kind, the payload, the norms. */
export async function tableState(dataDir: string, table: string): Promise<{ rows: number; indexes: string[]; manifest: boolean; payload: string | null; maxNormError: number }> {
  return withDb(dataDir, async (db) => {
    const rows = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);
    const indexes = (
      await db.query<{ def: string }>(`SELECT regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') AS def FROM pg_indexes WHERE tablename = '${table}' AND indexdef ~ 'USING (hnsw|ivfflat)' ORDER BY 1`)
    ).rows.map((r) => r.def);
    const comment = (await db.query<{ c: string | null }>(`SELECT col_description('${table}'::regclass, 2) AS c`)).rows[0]?.c ?? null;
    const hasPayload = (await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = '${table}' AND column_name = 'content'`)).rows.length > 0;
    const payload = hasPayload ? ((await db.query<{ content: string }>(`SELECT content FROM ${table} WHERE id = 2`)).rows[0]?.content ?? null) : null;
    const norm = (await db.query<{ e: number }>(`SELECT coalesce(max(abs(vector_norm(embedding) - 1)), 0)::float8 AS e FROM ${table}`)).rows[0]?.e ?? 0;
    return { rows, indexes, manifest: comment?.startsWith(STORE_MANIFEST_PREFIX) ?? false, payload, maxNormError: norm };
  });
}

/** A PGlite data directory holding the broken `items` table (with a text payload column). */
export async function brokenPgliteStore(dataDir: string): Promise<void> {
  await withDb(dataDir, async (db) => {
    await buildPgvectorStore(db, { table: 'items', vectors: await brokenVectors(), index: { method: 'ivfflat', opclass: 'vector_l2_ops', options: { lists: 20 }, buildBeforeData: true } });
    await db.exec(`ALTER TABLE items ADD COLUMN content text; UPDATE items SET content = 'document ' || id`);
  });
}
