import type { PGlite } from '@electric-sql/pglite';
import { UsageError } from '../../../errors.js';
import { openSource } from '../../open-source.js';
import { quoteIdent } from '../../../engines/pgvector/sql-session.js';
import type { Rows } from '../../../core/rows.js';

/** Rows per COPY batch: ~9 MB of binary (~20 MB of text) for 128-d vectors, small next to PGlite's own memory. */
const COPY_BATCH_ROWS = 16_384;

export interface VectorRows extends Rows {}

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
  const { count, dim } = spec.vectors;
  const table = quoteIdent(spec.table);
  const notices: string[] = [];
  const onNotice = (notice: { message?: string }): void => {
    if (notice.message) notices.push(notice.message);
  };
  await db.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE ${table} (id bigint PRIMARY KEY, ${quoteIdent(column)} ${type}(${dim}))`);
  const createIndex = spec.index ? indexStatement(spec.table, column, spec.index) : undefined;
  if (createIndex && spec.index?.buildBeforeData) await db.query(createIndex, [], { onNotice });
  await appendVectors(db, spec.table, column, spec.vectors, { type, nullRows: new Set(spec.nullRows ?? []) });
  if (createIndex && !spec.index?.buildBeforeData) await db.query(createIndex, [], { onNotice });
  return { table: spec.table, column, rows: count, notices };
}

export interface AppendOptions {
  /** The id of the first row (default 1); the others follow. */
  readonly firstId?: number;
  /** The column's type: vector is loaded in COPY's binary format, halfvec as text. */
  readonly type?: 'vector' | 'halfvec';
  /** Rows (0-based within the vectors) whose vector is NULL. */
  readonly nullRows?: ReadonlySet<number>;
}

/** COPY's binary signature, flags and header-extension length. */
const BINARY_COPY_HEADER = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

/**
 * COPY `vectors` into an existing (id bigint, column) table, ids from `firstId` on, in batches so
 * memory stays small. vector columns use COPY's binary format (measured 10× faster than text in
 * PGlite: no float formatting and parsing).
 */
export async function appendVectors(db: PGlite, table: string, column: string, vectors: VectorRows, options: AppendOptions = {}): Promise<void> {
  const firstId = options.firstId ?? 1;
  const { count } = vectors;
  const nulls = options.nullRows ?? new Set<number>();
  const copy = `COPY ${quoteIdent(table)} (id, ${quoteIdent(column)}) FROM '/dev/blob'`;
  for (let start = 0; start < count; start += COPY_BATCH_ROWS) {
    const end = Math.min(count, start + COPY_BATCH_ROWS);
    if ((options.type ?? 'vector') === 'vector') {
      await db.query(`${copy} WITH (FORMAT binary)`, [], { blob: new Blob([binaryRows(vectors, start, end, firstId, nulls)]) });
    } else {
      await db.query(copy, [], { blob: new Blob([textRows(vectors, start, end, firstId, nulls)]) });
    }
  }
}

/** Binary COPY rows: (int8 id, vector) where pgvector's binary vector is int16 dim, int16 0, float4 × dim, big-endian. */
function binaryRows(vectors: VectorRows, start: number, end: number, firstId: number, nulls: ReadonlySet<number>): ArrayBuffer {
  const { data, dim } = vectors;
  const rowBytes = 2 + (4 + 8) + (4 + 4 + dim * 4);
  const buffer = new ArrayBuffer(BINARY_COPY_HEADER.length + (end - start) * rowBytes + 2);
  const view = new DataView(buffer);
  BINARY_COPY_HEADER.forEach((byte, i) => view.setUint8(i, byte));
  let offset = BINARY_COPY_HEADER.length;
  for (let row = start; row < end; row++) {
    view.setInt16(offset, 2);
    view.setInt32(offset + 2, 8);
    view.setBigInt64(offset + 6, BigInt(firstId + row));
    offset += 14;
    if (nulls.has(row)) {
      view.setInt32(offset, -1);
      offset += 4;
      continue;
    }
    view.setInt32(offset, 4 + dim * 4);
    view.setInt16(offset + 4, dim);
    view.setInt16(offset + 6, 0);
    offset += 8;
    for (let j = 0; j < dim; j++, offset += 4) view.setFloat32(offset, data[row * dim + j] as number);
  }
  view.setInt16(offset, -1);
  return buffer.slice(0, offset + 2);
}

function textRows(vectors: VectorRows, start: number, end: number, firstId: number, nulls: ReadonlySet<number>): string {
  const { data, dim } = vectors;
  const lines: string[] = [];
  for (let row = start; row < end; row++) {
    const vector = nulls.has(row) ? '\\N' : `[${Array.from(data.subarray(row * dim, (row + 1) * dim)).join(',')}]`;
    lines.push(`${firstId + row}\t${vector}`);
  }
  return `${lines.join('\n')}\n`;
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
