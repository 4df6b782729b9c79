import type { StoreConnector } from './source.js';
import { CHROMA_CONNECTOR } from './stores/chroma/connector.js';
import { DUCKDB_CONNECTOR } from './stores/duckdb/connector.js';
import { LANCEDB_CONNECTOR } from './stores/lancedb/connector.js';
import { PGLITE_CONNECTOR, POSTGRES_CONNECTOR } from './stores/pgvector/connector.js';
import { SQLITE_CONNECTOR } from './stores/sqlite/connector.js';
import { LIBSQL_CONNECTOR } from './stores/sqlite/libsql-connector.js';

/** One connector per engine folder under stores/ (docs/stores.md shows how to add one). */
export const STORE_CONNECTORS: readonly StoreConnector[] = [POSTGRES_CONNECTOR, PGLITE_CONNECTOR, LANCEDB_CONNECTOR, CHROMA_CONNECTOR, SQLITE_CONNECTOR, LIBSQL_CONNECTOR, DUCKDB_CONNECTOR];
