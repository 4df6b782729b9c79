import type { DuckDBDataChunk, DuckDBListVector, DuckDBVector } from '@duckdb/node-api';

/**
 * The columns a vector scan selects, in this order: the vector cast to FLOAT[] (one flat float32
 * buffer per chunk), its length and its NULL-value count as INTEGER (NULL for a NULL vector), and
 * the row's name (id column or rowid) for messages.
 */
export function vectorScanColumns(column: string, rowName: string | undefined): string {
  return [`CAST(${column} AS FLOAT[]) AS v`, `CAST(len(${column}) AS INTEGER) AS n`, `CAST(len(${column}) - list_count(${column}) AS INTEGER) AS missing`, ...(rowName ? [`${rowName} AS name`] : [])].join(', ');
}

/** One chunk of a vector scan, read without a JS object per value. */
export interface VectorChunk {
  readonly rows: number;
  /** Values of row `i` (undefined for a NULL vector): offset into `values` and length. */
  cell(i: number): { readonly offset: number; readonly length: number; readonly missing: number } | undefined;
  /** Every row's values back to back (float32, as DuckDB cast them). */
  readonly values: Float32Array;
  /** The row's name as text, when the scan selected one. */
  name(i: number): string | undefined;
  /** Position within row `i` of its first NULL value (rows whose `missing` is above 0). */
  firstNullValue(i: number): number;
}

export function readVectorChunk(chunk: DuckDBDataChunk): VectorChunk {
  const list = chunk.getColumnVector(0) as DuckDBListVector;
  const lengths = chunk.getColumnVector(1);
  const missing = chunk.getColumnVector(2);
  const names = chunk.columnCount > 3 ? chunk.getColumnVector(3) : undefined;
  const values = childFloats(list.childVector);
  return {
    rows: chunk.rowCount,
    values,
    cell(i) {
      const length = lengths.getItem(i) as number | null;
      if (length === null) return undefined;
      return { offset: list.getEntryOffset(i), length, missing: (missing.getItem(i) as number | null) ?? 0 };
    },
    firstNullValue(i) {
      const offset = list.getEntryOffset(i);
      const length = list.getEntryLength(i);
      for (let j = 0; j < length; j++) if (list.childVector.getItem(offset + j) === null) return j;
      return -1;
    },
    name(i) {
      const value = names?.getItem(i);
      return value === null || value === undefined ? undefined : String(value);
    },
  };
}

/** The flat float32 child of a FLOAT[] list vector: its backing array when exposed, else copied value by value. */
function childFloats(child: DuckDBVector): Float32Array {
  const items = (child as unknown as { items?: unknown }).items;
  if (items instanceof Float32Array) return items;
  const copy = new Float32Array(child.itemCount);
  for (let i = 0; i < copy.length; i++) copy[i] = Number(child.getItem(i) ?? Number.NaN);
  return copy;
}
