import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Partition sizes and centroids of a LanceDB IVF index, read from its files. LanceDB's API
 * reports neither; they live in the index's Lance v2 files as an `Ivf` protobuf message in a
 * global buffer named by the `lance:ivf` schema metadata key. Parsed by hand: only varints and
 * length-delimited fields are needed, and no protobuf library is a dependency.
 */
export interface IvfPartitions {
  /** Rows per partition (list), in partition order. */
  readonly lengths: number[];
  /** nlist × dim float32 centroids, when stored as a float32 tensor. */
  readonly centroids?: Float32Array;
  readonly dim?: number;
}

/** Lance v2 footer: three u64 offsets, two u32 counts, two u16 versions, then the magic "LANC". */
const FOOTER_BYTES = 40;
const MAGIC = 'LANC';
/** Index files with metadata larger than this are not the small IVF files we expect; stop. */
const MAX_METADATA_BYTES = 64 << 20;
/** Tensor.DataType FLOAT32 in Lance's protobuf. */
const TENSOR_FLOAT32 = 2;

/**
 * The IVF partitions of the index in `indexDir` (…/<table>.lance/_indices/<uuid>). Newer index
 * layouts keep the real lengths in auxiliary.idx and zeros in index.idx, so both are read.
 */
export function readIvfPartitions(indexDir: string): IvfPartitions | undefined {
  const main = existsSync(join(indexDir, 'index.idx')) ? readIvfMessage(join(indexDir, 'index.idx')) : undefined;
  const auxiliary = existsSync(join(indexDir, 'auxiliary.idx')) ? readIvfMessage(join(indexDir, 'auxiliary.idx')) : undefined;
  const withLengths = [auxiliary, main].find((ivf) => ivf?.lengths.some((n) => n > 0)) ?? main ?? auxiliary;
  if (!withLengths) return undefined;
  const centroids = main?.centroids ?? auxiliary?.centroids;
  const dim = main?.dim ?? auxiliary?.dim;
  return { lengths: withLengths.lengths, ...(centroids && dim ? { centroids, dim } : {}) };
}

/** The Ivf message of one Lance file, or undefined when the file has none (or is not a Lance v2 file). */
export function readIvfMessage(path: string): IvfPartitions | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < FOOTER_BYTES) return undefined;
    const footer = readAt(fd, size - FOOTER_BYTES, FOOTER_BYTES);
    if (new TextDecoder().decode(footer.subarray(36)) !== MAGIC) return undefined;
    const view = new DataView(footer.buffer, footer.byteOffset, footer.byteLength);
    const bufferTable = Number(view.getBigUint64(16, true));
    const bufferCount = view.getUint32(24, true);
    if (bufferCount === 0 || bufferTable + bufferCount * 16 > size) return undefined;
    const table = readAt(fd, bufferTable, bufferCount * 16);
    const tableView = new DataView(table.buffer, table.byteOffset, table.byteLength);
    const buffer = (i: number): Uint8Array | undefined => {
      const position = Number(tableView.getBigUint64(i * 16, true));
      const length = Number(tableView.getBigUint64(i * 16 + 8, true));
      if (position + length > size || length > MAX_METADATA_BYTES) return undefined;
      return readAt(fd, position, length);
    };
    // Global buffer 0 holds the file descriptor: schema fields and metadata.
    const descriptor = buffer(0);
    const ivfBuffer = descriptor ? schemaMetadata(descriptor).get('lance:ivf') : undefined;
    const index = ivfBuffer === undefined ? NaN : Number(new TextDecoder().decode(ivfBuffer));
    if (!Number.isInteger(index) || index <= 0 || index >= bufferCount) return undefined;
    const message = buffer(index);
    return message ? parseIvf(message) : undefined;
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, position + done);
    if (read === 0) throw new RangeError(`index file ends at byte ${position + done}, expected ${length - done} more`);
    done += read;
  }
  return bytes;
}

/** FileDescriptor { Schema schema = 1 { map<string, bytes> metadata = 5 } }. */
function schemaMetadata(descriptor: Uint8Array): Map<string, Uint8Array> {
  const metadata = new Map<string, Uint8Array>();
  for (const field of fields(descriptor)) {
    if (field.number !== 1 || !field.bytes) continue;
    for (const schemaField of fields(field.bytes)) {
      if (schemaField.number !== 5 || !schemaField.bytes) continue;
      let key = '';
      let value: Uint8Array = new Uint8Array(0);
      for (const entry of fields(schemaField.bytes)) {
        if (entry.number === 1 && entry.bytes) key = new TextDecoder().decode(entry.bytes);
        if (entry.number === 2 && entry.bytes) value = entry.bytes;
      }
      metadata.set(key, value);
    }
  }
  return metadata;
}

/** Ivf { repeated uint64 offsets = 2; repeated uint32 lengths = 3; Tensor centroids_tensor = 4 }. */
function parseIvf(message: Uint8Array): IvfPartitions {
  const lengths: number[] = [];
  let centroids: Float32Array | undefined;
  let dim: number | undefined;
  for (const field of fields(message)) {
    if (field.number === 3) {
      if (field.bytes) lengths.push(...packedVarints(field.bytes));
      else if (field.value !== undefined) lengths.push(field.value);
    }
    if (field.number === 4 && field.bytes) {
      const tensor = parseTensor(field.bytes);
      if (tensor) ({ centroids, dim } = tensor);
    }
  }
  return { lengths, ...(centroids && dim ? { centroids, dim } : {}) };
}

/** Tensor { DataType data_type = 1; repeated uint32 shape = 2; bytes data = 3 }: float32 2-D only. */
function parseTensor(bytes: Uint8Array): { centroids: Float32Array; dim: number } | undefined {
  let type = -1;
  let shape: number[] = [];
  let data: Uint8Array | undefined;
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.value !== undefined) type = field.value;
    if (field.number === 2) shape = field.bytes ? packedVarints(field.bytes) : [...shape, field.value ?? 0];
    if (field.number === 3) data = field.bytes;
  }
  const [rows, dim] = shape;
  if (type !== TENSOR_FLOAT32 || shape.length !== 2 || !data || !rows || !dim || data.byteLength !== rows * dim * 4) return undefined;
  const copy = new Uint8Array(data); // aligned copy: the view may start at an odd offset
  return { centroids: new Float32Array(copy.buffer, 0, rows * dim), dim };
}

interface ProtoField {
  readonly number: number;
  readonly value?: number;
  readonly bytes?: Uint8Array;
}

/** Top-level fields of a protobuf message: varints as numbers, length-delimited as bytes; fixed widths skipped. */
function* fields(bytes: Uint8Array): Generator<ProtoField> {
  let position = 0;
  while (position < bytes.length) {
    const [key, afterKey] = varint(bytes, position);
    position = afterKey;
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const [value, next] = varint(bytes, position);
      position = next;
      yield { number, value };
    } else if (wire === 2) {
      const [length, next] = varint(bytes, position);
      if (next + length > bytes.length) throw new RangeError('protobuf field runs past its message');
      yield { number, bytes: bytes.subarray(next, next + length) };
      position = next + length;
    } else if (wire === 1) {
      position += 8;
    } else if (wire === 5) {
      position += 4;
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wire}`);
    }
  }
}

function packedVarints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  let position = 0;
  while (position < bytes.length) {
    const [value, next] = varint(bytes, position);
    values.push(value);
    position = next;
  }
  return values;
}

/** A base-128 varint as a JS number (exact up to 2^53: partition lengths and offsets stay far below). */
function varint(bytes: Uint8Array, start: number): [number, number] {
  let value = 0;
  let scale = 1;
  let position = start;
  for (;;) {
    if (position >= bytes.length) throw new RangeError('protobuf varint runs past its message');
    const byte = bytes[position++] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, position];
    scale *= 128;
    if (scale > 2 ** 63) throw new RangeError('protobuf varint too long');
  }
}
