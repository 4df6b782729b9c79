import type { SourceOptions } from './formats.js';
import type { VectorSource } from './source.js';

/** A live store reached by URL (postgres://, lancedb://, chroma://, ...). */
export interface StoreConnector {
  readonly schemes: readonly string[];
  /** Shown in errors and --help: the URL shape this connector takes. */
  readonly example: string;
  open(url: string, options: SourceOptions): Promise<VectorSource>;
}

export const STORE_CONNECTORS: readonly StoreConnector[] = [];
