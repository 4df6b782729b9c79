import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int64, Schema, Utf8 } from 'apache-arrow';
import { loadDocs } from '../stores/helpers.js';

export const LANCE_ROWS = 1200;
export const LANCE_DIM = 128;
/** Rows whose embedding failed: zeros (3) and NaN (2). */
export const LANCE_BAD_ROWS = [3, 40, 777, 900, 901];

const SCHEMA = new Schema([new Field('id', new Int64(), false), new Field('text', new Utf8(), true), new Field('vector', new FixedSizeList(LANCE_DIM, new Field('item', new Float32(), true)), true)]);

/**
 * DIR/items: the first half normalized, the second raw (a writer that skipped normalization),
 * zero and NaN rows, behind a dot-product IVF index trained on the mix.
 */
export async function brokenLanceTable(dir: string): Promise<void> {
  const unit = await loadDocs(LANCE_ROWS, true);
  const raw = await loadDocs(LANCE_ROWS, false);
  const rows = Array.from({ length: LANCE_ROWS }, (_, row) => {
    const from = row < LANCE_ROWS / 2 ? unit.data : raw.data;
    const vector = Array.from(from.subarray(row * LANCE_DIM, (row + 1) * LANCE_DIM));
    if (LANCE_BAD_ROWS.indexOf(row) >= 0) vector.fill(LANCE_BAD_ROWS.indexOf(row) < 3 ? 0 : Number.NaN);
    return { id: BigInt(row + 1), text: `document ${row + 1}`, vector };
  });
  const db = await lancedb.connect(dir);
  const table = await db.createTable('items', rows, { schema: SCHEMA });
  await table.createIndex('vector', { config: lancedb.Index.ivfFlat({ numPartitions: 8, distanceType: 'dot' }) });
  table.close();
  db.close();
}

/** What a client sees: rows, the vector index, whether the manifest is there, a payload cell, the worst |norm − 1|. */
export async function lanceState(dir: string, name = 'items'): Promise<{ rows: number; indexes: string[]; manifest: boolean; text: string | null; maxNormError: number; version: number }> {
  const db = await lancedb.connect(dir);
  const table = await db.openTable(name);
  try {
    const rows = await table.countRows();
    const indexes = (await table.listIndices()).map((index) => `${index.indexType} on ${index.columns.join(',')}`);
    const schema = await table.schema();
    const manifest = schema.fields.find((field) => String(field.type).startsWith('FixedSizeList'))?.metadata.has('vectorclinic.manifest') ?? false;
    const hasText = schema.fields.some((field) => field.name === 'text');
    const all = await table.query().toArray();
    const text = hasText ? ((all.find((row) => Number(row.id) === 2)?.text as string | undefined) ?? null) : null;
    let maxNormError = 0;
    for (const row of all) {
      const values = Array.from(row.vector as ArrayLike<number>);
      maxNormError = Math.max(maxNormError, Math.abs(Math.hypot(...values) - 1));
    }
    return { rows, indexes, manifest, text, maxNormError, version: await table.version() };
  } finally {
    table.close();
    db.close();
  }
}
