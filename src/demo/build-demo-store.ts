import { rmSync } from 'node:fs';
import { buildPgvectorStore, readVectorFile, type BuiltStore } from '../sources/stores/pgvector/build-store.js';
import { loadDrivers } from '../engines/drivers.js';

/**
 * The demo's live store: the bundled documents in an embedded Postgres (PGlite + pgvector), with
 * the classic pitfall — the ivfflat index was created on the empty table, before the data, so its
 * lists were trained on nothing. Rebuilt from scratch on every run.
 */
export async function buildDemoStore(vectorsPath: string, dataDir: string): Promise<BuiltStore> {
  rmSync(dataDir, { recursive: true, force: true });
  const [{ PGlite }, { vector }] = await loadDrivers('@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'the demo store');
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  try {
    return await buildPgvectorStore(db, {
      table: 'docs',
      vectors: await readVectorFile(vectorsPath),
      index: { method: 'ivfflat', opclass: 'vector_cosine_ops', options: { lists: 40 }, buildBeforeData: true },
    });
  } finally {
    await db.close();
  }
}
