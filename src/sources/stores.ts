import type { SourceOptions } from './formats.js';
import type { VectorSource } from './source.js';
import { CHROMA_CONNECTOR } from './stores/chroma/connector.js';
import { DUCKDB_CONNECTOR } from './stores/duckdb/connector.js';
import { LANCEDB_CONNECTOR } from './stores/lancedb/connector.js';
import { PGLITE_CONNECTOR, POSTGRES_CONNECTOR } from './stores/pgvector/connector.js';

/** A live store reached by URL (postgres://, lancedb://, chroma://, ...). */
export interface StoreConnector {
  readonly schemes: readonly string[];
  /** Shown in errors and --help: the URL shape this connector takes. */
  readonly example: string;
  open(url: string, options: SourceOptions): Promise<VectorSource>;
}

/** One connector per engine folder under stores/ (docs/stores.md shows how to add one). */
export const STORE_CONNECTORS: readonly StoreConnector[] = [POSTGRES_CONNECTOR, PGLITE_CONNECTOR, LANCEDB_CONNECTOR, CHROMA_CONNECTOR, DUCKDB_CONNECTOR];
