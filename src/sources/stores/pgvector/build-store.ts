import type { PGlite } from '@electric-sql/pglite';
import { UsageError } from '../../../errors.js';
import { openSource } from '../../open-source.js';
import { quoteIdent } from './sql-session.js';

/** Rows per COPY batch: ~20 MB of text for 128-d vectors, small next to PGlite's own memory. */
const COPY_BATCH_ROWS = 16_384;

export interface VectorRows {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

/** The index to build, and when: after the data (the right order) or on the empty table (the pitfall). */
export interface StoreIndexSpec {
  readonly method: 'hnsw' | 'ivfflat';
  /** vector_cosine_ops, vector_l2_ops, vector_ip_ops, halfvec_cosine_ops, ... */
  readonly opclass: string;
  /** m, ef_construction, lists. */
  readonly options?: Readonly<Record<string, number>>;
  readonly buildBeforeData?: boolean;
}

export interface PgvectorStoreSpec {
  readonly table: string;
  readonly column?: string;
  readonly type?: 'vector' | 'halfvec';
  readonly vectors: VectorRows;
  /** Rows whose vector is stored as NULL (an embedding that never arrived). */
  readonly nullRows?: readonly number[];
  readonly index?: StoreIndexSpec;
}

export interface BuiltStore {
  readonly table: string;
  readonly column: string;
  readonly rows: number;
  /** NOTICEs Postgres raised while building (e.g. "ivfflat index created with little data"). */
  readonly notices: readonly string[];
}

/**
 * Build a pgvector table in a PGlite database: `id bigint primary key` (1-based), the vectors,
 * and optionally a vector index. Shared by the demo and the integration tests.
 */
export async function buildPgvectorStore(db: PGlite, spec: PgvectorStoreSpec): Promise<BuiltStore> {
  const column = spec.column ?? 'embedding';
  const type = spec.type ?? 'vector';
  const { data, count, dim } = spec.vectors;
  const table = quoteIdent(spec.table);
  const notices: string[] = [];
  const onNotice = (notice: { message?: string }): void => {
    if (notice.message) notices.push(notice.message);
  };
  await db.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE ${table} (id bigint PRIMARY KEY, ${quoteIdent(column)} ${type}(${dim}))`);
  const createIndex = spec.index ? indexStatement(spec.table, column, spec.index) : undefined;
  if (createIndex && spec.index?.buildBeforeData) await db.query(createIndex, [], { onNotice });
  const nulls = new Set(spec.nullRows ?? []);
  for (let start = 0; start < count; start += COPY_BATCH_ROWS) {
    const end = Math.min(count, start + COPY_BATCH_ROWS);
    const lines: string[] = [];
    for (let row = start; row < end; row++) {
      const vector = nulls.has(row) ? '\\N' : `[${Array.from(data.subarray(row * dim, (row + 1) * dim)).join(',')}]`;
      lines.push(`${row + 1}\t${vector}`);
    }
    await db.query(`COPY ${table} (id, ${quoteIdent(column)}) FROM '/dev/blob'`, [], { blob: new Blob([`${lines.join('\n')}\n`]) });
  }
  if (createIndex && !spec.index?.buildBeforeData) await db.query(createIndex, [], { onNotice });
  return { table: spec.table, column, rows: count, notices };
}

function indexStatement(table: string, column: string, index: StoreIndexSpec): string {
  if (!/^[a-z0-9_]+$/.test(index.opclass)) throw new UsageError(`invalid operator class '${index.opclass}'`);
  const options = Object.entries(index.options ?? {});
  for (const [name, value] of options) {
    if (!/^[a-z_]+$/.test(name) || !Number.isInteger(value)) throw new UsageError(`invalid index option ${name}=${value}`);
  }
  const withClause = options.length ? ` WITH (${options.map(([name, value]) => `${name} = ${value}`).join(', ')})` : '';
  return `CREATE INDEX ${quoteIdent(`${table}_${column}_${index.method}`)} ON ${quoteIdent(table)} USING ${index.method} (${quoteIdent(column)} ${index.opclass})${withClause}`;
}

/**
 * The first `rows` vectors of a vector file (any format vectorclinic reads), optionally scaled to
 * unit length, as one row-major block.
 */
export async function readVectorFile(path: string, options: { readonly rows?: number; readonly normalize?: boolean } = {}): Promise<VectorRows> {
  const source = await openSource(path);
  try {
    const description = await source.describe();
    const count = Math.min(description.rows, options.rows ?? description.rows);
    const block = await source.readRows(Array.from({ length: count }, (_, i) => i));
    const data = block.data.slice(0, block.count * block.dim);
    if (options.normalize) normalizeRows(data, block.count, block.dim);
    return { data, count: block.count, dim: block.dim };
  } finally {
    await source.close();
  }
}

/** Scale each row to unit length in place (zero rows stay zero). */
export function normalizeRows(data: Float32Array, count: number, dim: number): void {
  for (let row = 0; row < count; row++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (data[row * dim + j] as number) ** 2;
    const norm = Math.sqrt(sum);
    if (norm === 0) continue;
    for (let j = 0; j < dim; j++) data[row * dim + j] = (data[row * dim + j] as number) / norm;
  }
}
