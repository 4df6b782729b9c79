import { byteSlot, tableAt, verifyFlatbuffer, type SlotKind, type TableSpec } from './flatbuffer-verifier.js';

/**
 * The Arrow IPC metadata tables (format/Schema.fbs, Message.fbs, File.fbs of apache/arrow), slot
 * by slot, for the verifier: apache-arrow decodes footers and messages without bounds checks.
 */

const scalar = (bytes: 1 | 2 | 4 | 8): SlotKind => ({ kind: 'scalar', bytes });
const string: SlotKind = { kind: 'string' };
const table = (spec: () => TableSpec): SlotKind => ({ kind: 'table', table: spec });
const tables = (spec: () => TableSpec): SlotKind => ({ kind: 'tables', table: spec });
const inline = (bytes: number): SlotKind => ({ kind: 'inline', bytes });
const spec = (name: string, ...slots: SlotKind[]): TableSpec => ({ name, slots });
const named = (table: TableSpec, ...slotNames: string[]): TableSpec => ({ ...table, slotNames });

const KeyValue = spec('KeyValue', string, string);
const Int = spec('Int', scalar(4), scalar(1));
const NoFields = (name: string): TableSpec => spec(name);
const UnitOnly = (name: string): TableSpec => spec(name, scalar(2));

/** Type union members by type id (Schema.fbs `union Type`), 1..26. */
const TYPES: Readonly<Record<number, TableSpec>> = {
  1: NoFields('Null'),
  2: Int,
  3: spec('FloatingPoint', scalar(2)),
  4: NoFields('Binary'),
  5: NoFields('Utf8'),
  6: NoFields('Bool'),
  7: spec('Decimal', scalar(4), scalar(4), scalar(4)),
  8: UnitOnly('Date'),
  9: spec('Time', scalar(2), scalar(4)),
  10: spec('Timestamp', scalar(2), string),
  11: UnitOnly('Interval'),
  12: NoFields('List'),
  13: NoFields('Struct_'),
  14: spec('Union', scalar(2), inline(4)),
  15: spec('FixedSizeBinary', scalar(4)),
  16: spec('FixedSizeList', scalar(4)),
  17: spec('Map', scalar(1)),
  18: UnitOnly('Duration'),
  19: NoFields('LargeBinary'),
  20: NoFields('LargeUtf8'),
  21: NoFields('LargeList'),
  22: NoFields('RunEndEncoded'),
  23: NoFields('BinaryView'),
  24: NoFields('Utf8View'),
  25: NoFields('ListView'),
  26: NoFields('LargeListView'),
};

const DictionaryEncoding = spec(
  'DictionaryEncoding',
  scalar(8),
  table(() => Int),
  scalar(1),
  scalar(2),
);
const Field: TableSpec = named(
  spec(
    'Field',
    string,
    scalar(1),
    scalar(1),
    { kind: 'union', members: () => TYPES, what: 'column' },
    table(() => DictionaryEncoding),
    tables(() => Field),
    tables(() => KeyValue),
  ),
  'name',
  'nullable',
  'type_type',
  'type',
  'dictionary',
  'children',
  'custom_metadata',
);
const Schema = named(
  spec(
    'Schema',
    scalar(2),
    tables(() => Field),
    tables(() => KeyValue),
    inline(8),
  ),
  'endianness',
  'fields',
  'custom_metadata',
  'features',
);

/** Block { offset: long; metaDataLength: int; (pad); bodyLength: long } */
const BLOCK_BYTES = 24;
/** FieldNode { length: long; null_count: long }, Buffer { offset: long; length: long } */
const FIELD_NODE_BYTES = 16;
const BUFFER_BYTES = 16;

const Footer = named(
  spec(
    'Footer',
    scalar(2),
    table(() => Schema),
    inline(BLOCK_BYTES),
    inline(BLOCK_BYTES),
    tables(() => KeyValue),
  ),
  'version',
  'schema',
  'dictionaries',
  'recordBatches',
  'custom_metadata',
);

const BodyCompression = spec('BodyCompression', scalar(1), scalar(1));
const RecordBatch = named(
  spec(
    'RecordBatch',
    scalar(8),
    inline(FIELD_NODE_BYTES),
    inline(BUFFER_BYTES),
    table(() => BodyCompression),
    inline(8),
  ),
  'length',
  'nodes',
  'buffers',
  'compression',
  'variadicBufferCounts',
);
const DictionaryBatch = named(
  spec(
    'DictionaryBatch',
    scalar(8),
    table(() => RecordBatch),
    scalar(1),
  ),
  'id',
  'data',
  'isDelta',
);
/** Tensor (4) and SparseTensor (5) messages are not read by vectorclinic: not followed. */
const HEADERS: Readonly<Record<number, TableSpec | null>> = { 1: Schema, 2: DictionaryBatch, 3: RecordBatch, 4: null, 5: null };
const Message = named(
  spec(
    'Message',
    scalar(2),
    scalar(1),
    { kind: 'union', members: () => HEADERS, what: 'message' },
    scalar(8),
    tables(() => KeyValue),
  ),
  'version',
  'header_type',
  'header',
  'bodyLength',
  'custom_metadata',
);

/** Throws FlatbufferError when the file footer's flatbuffer is not safe to decode. */
export function verifyArrowFooter(bytes: Uint8Array): void {
  verifyFlatbuffer(bytes, Footer);
}

/** Throws FlatbufferError when a message's flatbuffer is not safe to decode. */
export function verifyArrowMessage(bytes: Uint8Array): void {
  verifyFlatbuffer(bytes, Message);
}

/** Message.fbs `enum CompressionType`. */
const CODECS: Readonly<Record<number, string>> = { 0: 'LZ4_FRAME', 1: 'ZSTD' };
const RECORD_BATCH = 3;
const DICTIONARY_BATCH = 2;

/**
 * The codec a (verified) record or dictionary batch message says its body is compressed with, or
 * undefined when the body is plain.
 */
export function batchCompression(message: Uint8Array): string | undefined {
  const root = tableAt(message, []);
  if (root === undefined) return undefined;
  const headerType = byteSlot(message, root, 1, 0);
  const path = headerType === RECORD_BATCH ? [2, 3] : headerType === DICTIONARY_BATCH ? [2, 1, 3] : undefined;
  const compression = path && tableAt(message, path);
  if (compression === undefined) return undefined;
  const codec = byteSlot(message, compression, 0, 0);
  return CODECS[codec] ?? `codec ${codec}`;
}
