import { MANIFEST_METADATA_KEY } from '../../../manifest/store-manifest.js';
import { Field, FixedSizeList, Float32, Int64, List, makeData, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray, type Data, type DataType } from 'apache-arrow';

/** A FixedSizeList<Float32>(dim) vector field, with the manifest in its metadata. */
export function vectorField(name: string, dim: number, manifestText: string, nullable = true): Field {
  return new Field(name, new FixedSizeList(dim, new Field('item', new Float32(), true)), nullable, new Map([[MANIFEST_METADATA_KEY, manifestText]]));
}

/** Rows `start..end` of a count × dim matrix as the vector column's data (no copy). */
export function vectorData(field: Field, data: Float32Array, dim: number, start: number, end: number): Data {
  const child = makeData({ type: new Float32(), length: (end - start) * dim, data: data.subarray(start * dim, end * dim) });
  return makeData({ type: field.type as FixedSizeList<Float32>, length: end - start, nullCount: 0, child });
}

/** Rows `start..end` of a new table's columns: ids, a count × dim vector matrix, and folded ids when deduplicating. */
export interface NewTableRows {
  readonly ids: readonly string[] | BigInt64Array;
  readonly data: Float32Array;
  readonly dim: number;
  readonly start: number;
  readonly end: number;
  readonly aliases?: readonly (readonly string[])[];
}

/** A batch of a new table: id (text, or the source row number), vector, and folded ids when deduplicating. */
export function newTableBatch(schema: Schema, rows: NewTableRows): Table {
  const { ids, data, dim, start, end, aliases } = rows;
  const [idField, vector] = schema.fields as [Field, Field];
  const idData =
    idField.type instanceof Utf8
      ? vectorFromArray((ids as readonly string[]).slice(start, end), new Utf8()).data[0]
      : makeData({ type: new Int64(), length: end - start, data: (ids as BigInt64Array).subarray(start, end) });
  const children: Data[] = [idData as Data, vectorData(vector, data, dim, start, end)];
  if (aliases)
    children.push(
      vectorFromArray(
        aliases.slice(start, end).map((list) => [...list]),
        aliasType(),
      ).data[0] as Data,
    );
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: end - start, nullCount: 0, children }))]);
}

export function newTableSchema(idText: boolean, vector: Field, withAliases: boolean): Schema {
  return new Schema([new Field('id', idText ? new Utf8() : new Int64(), false), vector, ...(withAliases ? [new Field('aliases', aliasType(), false)] : [])]);
}

function aliasType(): List<Utf8> {
  return new List(new Field('item', new Utf8(), true));
}

/** The cleaned vectors that replace column `columnName`: rows `start..` of a count × dim `data`, under `vector` (the field carrying the manifest). */
export interface VectorReplacement {
  readonly columnName: string;
  readonly vector: Field;
  readonly data: Float32Array;
  readonly dim: number;
  readonly start: number;
}

/**
 * Rows taken from the table being rebuilt, with the vector column replaced by the cleaned vectors
 * (in the same order) and its field carrying the manifest: one table per taken batch (apache-arrow
 * refuses to join batches rebuilt from different sources into one).
 */
export function replaceVectors(taken: Table, replacement: VectorReplacement): Table[] {
  const { columnName, vector, data, dim, start } = replacement;
  const index = taken.schema.fields.findIndex((field) => field.name === columnName);
  const fields = taken.schema.fields.map((field, i) => (i === index ? vector : field));
  const schema = new Schema(fields, taken.schema.metadata);
  let row = start;
  return taken.batches.map((batch) => {
    const children = batch.data.children.map((child, i) => (i === index ? vectorData(vector, data, dim, row, row + batch.numRows) : child)) as Data<DataType>[];
    row += batch.numRows;
    return new Table([new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }))]);
  });
}
