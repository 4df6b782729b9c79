import type { SourceOptions, StoreConnector, VectorSource } from './source.js';

/**
 * A connector named by its schemes and example, its module (and the engine behind it) loaded on
 * first use: a check of a local file should not pay start-up time for seven store engines it never
 * opens. Each module's own connector must declare the same schemes and example (tested).
 */
export interface LazyStoreConnector extends StoreConnector {
  load(): Promise<StoreConnector>;
}

function lazy(schemes: readonly string[], example: string, load: () => Promise<StoreConnector>): LazyStoreConnector {
  return { schemes, example, load, open: async (target: string, options: SourceOptions): Promise<VectorSource> => (await load()).open(target, options) };
}

/** One connector per engine folder under stores/ (docs/stores.md shows how to add one). */
export const STORE_CONNECTORS: readonly LazyStoreConnector[] = [
  lazy(['postgres', 'postgresql'], 'postgres://user@host/db?table=T&column=C', async () => (await import('./stores/pgvector/connector.js')).POSTGRES_CONNECTOR),
  lazy(['pglite'], 'pglite://PATH?table=T&column=C', async () => (await import('./stores/pgvector/connector.js')).PGLITE_CONNECTOR),
  lazy(['lancedb'], 'lancedb://PATH/TABLE', async () => (await import('./stores/lancedb/connector.js')).LANCEDB_CONNECTOR),
  lazy(['chroma'], 'chroma://host:port/collection', async () => (await import('./stores/chroma/connector.js')).CHROMA_CONNECTOR),
  lazy(['sqlite'], 'sqlite://./app.db?table=T&column=C', async () => (await import('./stores/sqlite/connector.js')).SQLITE_CONNECTOR),
  lazy(['libsql'], 'libsql://HOST?table=T&column=C', async () => (await import('./stores/sqlite/libsql-connector.js')).LIBSQL_CONNECTOR),
  lazy(['duckdb'], 'duckdb://PATH?table=T&column=C', async () => (await import('./stores/duckdb/connector.js')).DUCKDB_CONNECTOR),
];
