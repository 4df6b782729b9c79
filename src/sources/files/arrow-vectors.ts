import { DataType, Precision, type Data, type Field, type Schema } from 'apache-arrow';
import { InputError } from '../../errors.js';
import { decodeElements, type ElementType } from '../../io/decode.js';
import { checkDimension } from './dimension-limit.js';
import { embeddingNameRank, modalLength } from './embedding-names.js';
import type { VectorProblem } from './json-values.js';
import type { RowBlockBuilder } from './row-block-builder.js';

/** The Arrow column holding the vectors: a (fixed-size or variable) list of floats. */
export interface VectorColumn {
  /** Arrow names are optional: a nameless column has the name '' here. */
  readonly name: string;
  /** Position among the schema's top-level fields (names need not be unique or present). */
  readonly index: number;
  readonly list: 'fixed' | 'list';
  readonly element: ElementType;
  /** The list size of a FixedSizeList column; variable lists get their dimension from the data. */
  readonly fixedDim?: number;
  /** Other float-list columns that were not chosen (for a note). */
  readonly others: readonly string[];
}

const ELEMENTS: Record<number, ElementType> = {
  [Precision.HALF]: { storage: 'float16', bytes: 2, littleEndian: true },
  [Precision.SINGLE]: { storage: 'float32', bytes: 4, littleEndian: true },
  [Precision.DOUBLE]: { storage: 'float64', bytes: 8, littleEndian: true },
};

/** How a field holds vectors, or undefined when it is not a list of floats. */
function asVectorColumn(field: Field, index: number): Omit<VectorColumn, 'others'> | undefined {
  const type = field.type as DataType;
  // apache-arrow 18 has no LargeList type: such schemas fail to decode before reaching here.
  const list = DataType.isFixedSizeList(type) ? 'fixed' : DataType.isList(type) ? 'list' : undefined;
  const child = (type.children?.[0] as Field | undefined)?.type as DataType | undefined;
  if (!list || !child || !DataType.isFloat(child)) return undefined;
  const element = ELEMENTS[child.precision];
  if (!element) return undefined;
  return { name: field.name ?? '', index, list, element, ...(DataType.isFixedSizeList(type) ? { fixedDim: type.listSize } : {}) };
}

/**
 * The vector column: the one named by --field, else the only list-of-floats column, else the
 * best-ranked common embedding name among several. `schemaOffset` is where the schema is stored
 * (for error messages).
 */
export function findVectorColumn(schema: Schema, field: string | undefined, where: string, schemaOffset: number): VectorColumn {
  const listing = schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ') || 'none';
  if (field !== undefined) {
    const index = schema.fields.findIndex((f) => f.name === field);
    const named = schema.fields[index];
    if (!named) {
      throw new InputError(`no column '${field}' (columns: ${listing})`, { where, byteOffset: schemaOffset, hint: 'name the column holding the vectors with --field' });
    }
    const column = asVectorColumn(named, index);
    if (!column) {
      throw new InputError(`column '${field}' is ${String(named.type)}, not a list of float16/float32/float64`, {
        where,
        byteOffset: schemaOffset,
        hint: 'vectors must be stored as FixedSizeList<float> or List<float>; cast the column before writing',
      });
    }
    checkDimension(column.fixedDim ?? 0, where, { byteOffset: schemaOffset });
    return { ...column, others: [] };
  }
  const candidates = schema.fields.map((f, index) => asVectorColumn(f, index)).filter((c): c is Omit<VectorColumn, 'others'> => c !== undefined);
  if (candidates.length === 0) {
    throw new InputError(`no column holds a list of floats (columns: ${listing})`, {
      where,
      byteOffset: schemaOffset,
      hint: 'vectors must be stored as FixedSizeList<float> or List<float>; name another column with --field',
    });
  }
  const ranked = candidates
    .map((candidate) => ({ candidate, rank: embeddingNameRank(candidate.name) }))
    .filter(({ rank }) => candidates.length === 1 || rank >= 0)
    .sort((a, b) => a.rank - b.rank);
  const chosen = ranked[0]?.candidate;
  if (!chosen) {
    throw new InputError(`several columns hold vectors (${candidates.map((c) => c.name).join(', ')})`, {
      where,
      byteOffset: schemaOffset,
      hint: 'choose one with --field',
    });
  }
  checkDimension(chosen.fixedDim ?? 0, where, { byteOffset: schemaOffset });
  return { ...chosen, others: candidates.filter((c) => c !== chosen).map((c) => c.name) };
}

/** Values in a list cell, or undefined for a null cell. */
function cellRange(data: Data, column: VectorColumn, dim: number, index: number): [number, number] {
  if (column.list === 'fixed') return [index * dim, (index + 1) * dim];
  const offsets = data.valueOffsets as Int32Array;
  return [offsets[index] as number, offsets[index + 1] as number];
}

/** Lengths of the first `limit` non-null cells of a variable-list column (to pick the dimension). */
export function cellLengths(data: Data, column: VectorColumn, limit: number): number[] {
  const lengths: number[] = [];
  for (let i = 0; i < data.length && lengths.length < limit; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) continue;
    const [begin, end] = cellRange(data, column, column.fixedDim ?? 0, i);
    lengths.push(end - begin);
  }
  return lengths;
}

/** The dimension of a variable-list column: the most common length among its first cells. */
export function listDimension(chunks: readonly Data[], column: VectorColumn, limit: number, where: string): number | undefined {
  const dim = modalLength(chunks.flatMap((data) => cellLengths(data, column, limit)).slice(0, limit));
  if (dim !== undefined) checkDimension(dim, where, { row: 0 });
  return dim;
}

/** One Arrow column chunk to decode: `firstRow` is the row number of cell 0; `indices` picks cells (all when undefined). */
export interface VectorChunk {
  readonly data: Data;
  readonly firstRow: number;
  readonly indices?: readonly number[];
}

/** The vector column being read, its dimension, and the file named in errors. */
export interface VectorColumnRead {
  readonly column: VectorColumn;
  readonly dim: number;
  readonly where: string;
}

/**
 * Decode cells of one Arrow column chunk into the builder. Null cells, null values and
 * cells of another length become row issues; an offset outside the values is a corrupt file.
 */
export function decodeVectorCells(chunk: VectorChunk, read: VectorColumnRead, builder: RowBlockBuilder): void {
  const { data, firstRow, indices } = chunk;
  const { column, dim, where } = read;
  const child = data.children[0] as Data;
  const values = child.values as Float32Array | Float64Array | Uint16Array;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const elementBytes = column.element.bytes;
  if (!indices && column.list === 'fixed' && data.nullCount === 0 && child.nullCount === 0 && data.length * dim <= values.length) {
    // The common case: one copy for the whole chunk.
    const { out, offset } = builder.slot(data.length);
    decodeElements(column.element, { bytes, byteOffset: 0, count: data.length * dim, out, outOffset: offset });
    builder.accept(firstRow, data.length);
    return;
  }
  const count = indices ? indices.length : data.length;
  for (let k = 0; k < count; k++) {
    const index = indices ? (indices[k] as number) : k;
    const row = firstRow + index;
    const problem = cellProblem(data, child, column, dim, index);
    if (problem) {
      builder.reject({ ...problem, row });
      continue;
    }
    const [begin, end] = cellRange(data, column, dim, index);
    if (begin < 0 || end > values.length || end < begin) {
      throw new InputError(`row ${row}: list offsets ${begin}..${end} fall outside the ${values.length} stored values`, {
        where,
        row,
        hint: 'the file is corrupt; re-export it',
      });
    }
    const { out, offset } = builder.slot();
    decodeElements(column.element, { bytes, byteOffset: begin * elementBytes, count: dim, out, outOffset: offset });
    builder.accept(row);
  }
}

function cellProblem(data: Data, child: Data, column: VectorColumn, dim: number, index: number): VectorProblem | undefined {
  if (data.nullCount > 0 && !data.getValid(index)) return { kind: 'null', detail: 'the vector is null' };
  const [begin, end] = cellRange(data, column, column.fixedDim ?? dim, index);
  if (end - begin !== dim) return { kind: 'length', detail: `${end - begin} values instead of ${dim}`, length: end - begin };
  if (child.nullCount > 0) {
    for (let j = begin; j < end; j++) if (!child.getValid(j)) return { kind: 'null', detail: `value ${j - begin} is null` };
  }
  return undefined;
}
