import { Message, tableFromIPC, type Data, type Schema } from 'apache-arrow';
import { Footer, type FileBlock } from 'apache-arrow/ipc/metadata/file';
import type { BufferRegion, FieldNode, RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';
import { InputError, VectorclinicError } from '../../errors.js';
import type { RowBlock, ScanOptions, SourceDescription, SourceOptions, VectorSource } from '../source.js';
import { batchCompression, verifyArrowFooter, verifyArrowMessage } from './arrow-metadata.js';
import { decodeVectorCells, findVectorColumn, listDimension, type VectorColumn } from './arrow-vectors.js';
import { errorReason } from './error-text.js';
import { FlatbufferError } from './flatbuffer-verifier.js';
import { LocalFile } from './local-file.js';
import { ARROW_FILE_MAGIC } from './magic.js';
import { normToleranceFor } from './norm-tolerance.js';
import { RowBlockBuilder } from './row-block-builder.js';

const CONTINUATION = -1;
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** Flatbuffer metadata of one message is a few KB at most; a larger length field means corruption. */
const MAX_METADATA_BYTES = 16 << 20;
/** Rows looked at to pick the dimension of a variable-length list column. */
const PROBE_ROWS = 1000;

/** One encapsulated IPC message: [offset, end) holds its prefix, flatbuffer metadata and body. */
interface MessageBlock {
  readonly offset: number;
  readonly end: number;
}

interface BatchBlock extends MessageBlock {
  readonly rows: number;
  /** Row number of the batch's first row. */
  readonly first: number;
  readonly bodyLength: number;
}

interface IpcLayout {
  readonly format: 'file' | 'stream';
  readonly schema: Schema;
  /** Where the schema is stored: the footer (file format) or the first message (stream). */
  readonly schemaOffset: number;
  readonly dictionaries: readonly MessageBlock[];
  readonly batches: readonly BatchBlock[];
  readonly rows: number;
  readonly sawEndOfStream: boolean;
}

/**
 * Arrow IPC, file format (`ARROW1`, also Feather v2) and stream format. Opening walks the message
 * headers only (a few hundred bytes per record batch, never the bodies), so any batch is one
 * positioned read away; sampling reads only the batches that hold sampled rows.
 */
export function openArrowIpc(path: string, options: SourceOptions = {}): VectorSource {
  const file = LocalFile.open(path);
  try {
    const layout = readLayout(file);
    const column = guarded(path, layout.schemaOffset, 'the Arrow schema', () => findVectorColumn(layout.schema, options.field, path, layout.schemaOffset));
    checkRowClaims(layout, column, path);
    const decoder = guarded(path, layout.schemaOffset, 'the Arrow schema', () => new BatchDecoder(file, layout, column));
    const dim = column.fixedDim ?? (layout.rows > 0 ? decoder.probeDimension() : 0);
    const notes = [
      column.others.length ? `vectors read from column '${column.name}' (also list columns: ${column.others.join(', ')}; choose with --field)` : undefined,
      layout.format === 'stream' && !layout.sawEndOfStream ? 'the Arrow stream has no end-of-stream marker: it may have been cut off after a whole batch' : undefined,
    ].filter((note): note is string => note !== undefined);
    const description: SourceDescription = {
      kind: 'arrow',
      target: path,
      rows: layout.rows,
      rowsExact: true,
      dim,
      storage: { type: column.element.storage, bytes: layout.batches.reduce((sum, batch) => sum + batch.bodyLength, 0), lossy: false },
      normTolerance: normToleranceFor(column.element.storage, dim),
      local: true,
      ...(notes.length ? { notes } : {}),
    };
    return new ArrowIpcSource(file, decoder, description);
  } catch (error) {
    file.close();
    throw error;
  }
}

class ArrowIpcSource implements VectorSource {
  constructor(
    private readonly file: LocalFile,
    private readonly decoder: BatchDecoder,
    private readonly description: SourceDescription,
  ) {}

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { dim } = this.description;
    const { column, batches } = this.decoder;
    for (let index = 0; index < batches.length; index++) {
      options.signal?.throwIfAborted();
      const batch = batches[index] as BatchBlock;
      if (batch.rows === 0) continue;
      const builder = new RowBlockBuilder(dim, batch.rows);
      let first = batch.first;
      for (const data of this.decoder.decode(index)) {
        const firstRow = first;
        guarded(this.file.path, batch.offset, `record batch ${index}`, () => decodeVectorCells({ data, firstRow }, { column, dim, where: this.file.path }, builder));
        first += data.length;
      }
      yield builder.finish();
    }
  }

  async readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    const { dim, rows } = this.description;
    const { column, batches } = this.decoder;
    const builder = new RowBlockBuilder(dim, rowNumbers.length);
    let i = 0;
    let index = 0;
    while (i < rowNumbers.length) {
      const row = rowNumbers[i] as number;
      if (!Number.isInteger(row) || row < 0 || row >= rows) throw new RangeError(`row ${row} outside 0..${rows - 1}`);
      while (row >= (batches[index] as BatchBlock).first + (batches[index] as BatchBlock).rows) index++;
      const batch = batches[index] as BatchBlock;
      let first = batch.first;
      for (const data of this.decoder.decode(index)) {
        const indices: number[] = [];
        while (i < rowNumbers.length && (rowNumbers[i] as number) < first + data.length) {
          if (i > 0 && (rowNumbers[i] as number) <= (rowNumbers[i - 1] as number)) throw new RangeError('rows must be ascending and distinct');
          indices.push((rowNumbers[i] as number) - first);
          i++;
        }
        const firstRow = first;
        if (indices.length) guarded(this.file.path, batch.offset, `record batch ${index}`, () => decodeVectorCells({ data, firstRow, indices }, { column, dim, where: this.file.path }, builder));
        first += data.length;
      }
    }
    return builder.finish(true);
  }

  async close(): Promise<void> {
    this.file.close();
  }
}

/** Turns one record batch into Arrow data by replaying schema + dictionaries + that batch as a stream. */
class BatchDecoder {
  readonly batches: readonly BatchBlock[];
  private readonly schemaMessage: Uint8Array;

  constructor(
    private readonly file: LocalFile,
    private readonly layout: IpcLayout,
    readonly column: VectorColumn,
  ) {
    this.batches = layout.batches;
    this.schemaMessage = schemaMessageBytes(layout.schema);
  }

  /** The vector column of batch `index`, as the chunks apache-arrow returns. */
  decode(index: number): readonly Data[] {
    const batch = this.batches[index] as BatchBlock;
    const blocks = [...this.layout.dictionaries.filter((block) => block.offset < batch.offset), batch];
    const parts = [this.schemaMessage, ...blocks.map((block) => this.file.read(block.offset, block.end - block.offset, `record batch ${index}`)), END_OF_STREAM];
    const chunks = guarded(this.file.path, batch.offset, `record batch ${index} (rows ${batch.first}..${batch.first + batch.rows - 1})`, () => {
      const table = tableFromIPC(concatenate(parts));
      return table.getChildAt(this.column.index)?.data ?? [];
    });
    const decoded = chunks.reduce((sum, data) => sum + data.length, 0);
    if (decoded !== batch.rows) {
      throw new InputError(`record batch ${index} claims ${batch.rows} rows but its column holds ${decoded}`, {
        where: this.file.path,
        byteOffset: batch.offset,
        hint: 'the file is corrupt; re-export it',
      });
    }
    return chunks;
  }

  probeDimension(): number {
    const chunks: Data[] = [];
    let seen = 0;
    for (let index = 0; index < this.batches.length && seen < PROBE_ROWS; index++) {
      for (const data of this.decode(index)) {
        chunks.push(data);
        seen += data.length;
      }
    }
    const dim = listDimension(chunks, this.column, PROBE_ROWS, this.file.path);
    if (dim === undefined) {
      throw new InputError(`column '${this.column.name}' holds only null vectors in its first ${seen} rows`, {
        row: 0,
        where: this.file.path,
        hint: 'nothing was embedded; re-run the embedding job',
      });
    }
    return dim;
  }
}

/** The layout of either IPC variant, read from headers only. */
function readLayout(file: LocalFile): IpcLayout {
  const head = file.read(0, Math.min(8, file.size), 'the Arrow magic');
  return ARROW_FILE_MAGIC.every((byte, i) => head[i] === byte) ? fileLayout(file) : streamLayout(file);
}

/**
 * The file format's footer lists every batch and dictionary block and holds the schema (writers
 * such as apache-arrow JS write no schema message before the batches).
 */
function fileLayout(file: LocalFile): IpcLayout {
  const minimum = 8 + 4 + 6;
  if (file.size < minimum) throw new InputError(`too short to be an Arrow file (${file.size} bytes)`, { where: file.path, byteOffset: 0 });
  const tail = file.read(file.size - 10, 10, 'the Arrow footer');
  if (!ARROW_FILE_MAGIC.every((byte, i) => tail[4 + i] === byte)) {
    throw new InputError('the file does not end with the ARROW1 footer: it is truncated', {
      where: file.path,
      byteOffset: file.size,
      hint: 'the writer did not finish (the footer is written last); re-export it',
    });
  }
  const footerLength = new DataView(tail.buffer).getInt32(0, true);
  const footerStart = file.size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) {
    throw corrupt(file.path, file.size - 10, `footer length ${footerLength} does not fit the file`);
  }
  const footerBytes = file.read(footerStart, footerLength, 'the Arrow footer');
  verified(file.path, footerStart, 'Arrow footer', () => verifyArrowFooter(footerBytes));
  let footer: Footer;
  let dictionaryBlocks: FileBlock[];
  let batchBlocks: FileBlock[];
  try {
    footer = Footer.decode(footerBytes);
    dictionaryBlocks = [...footer.dictionaryBatches()];
    batchBlocks = [...footer.recordBatches()];
  } catch (error) {
    throw unsupportedType(file.path, footerStart, error) ?? corrupt(file.path, footerStart, `malformed Arrow footer (${errorReason(error)})`, error);
  }
  const block = (fileBlock: FileBlock, what: string): MessageBlock => {
    const end = fileBlock.offset + fileBlock.metaDataLength + fileBlock.bodyLength;
    if (fileBlock.offset < 8 || fileBlock.metaDataLength <= 0 || end > footerStart) {
      throw corrupt(file.path, footerStart, `the footer places ${what} at bytes ${fileBlock.offset}..${end}, outside the data`);
    }
    return { offset: fileBlock.offset, end };
  };
  const dictionaries = dictionaryBlocks.map((fileBlock, index) => block(fileBlock, `dictionary ${index}`));
  const batches: BatchBlock[] = [];
  let rows = 0;
  for (const [index, fileBlock] of batchBlocks.entries()) {
    const { offset, end } = block(fileBlock, `record batch ${index}`);
    const read = readMessage(file, offset, end);
    if (!read.message?.isRecordBatch() || !read.batch) throw corrupt(file.path, offset, `the footer's record batch ${index} is not a record batch message`);
    const batchRows = read.batch.length;
    batches.push({ offset, end, rows: batchRows, first: rows, bodyLength: read.message.bodyLength });
    rows += batchRows;
  }
  return { format: 'file', schema: footer.schema, schemaOffset: footerStart, dictionaries, batches, rows, sawEndOfStream: true };
}

/** The stream format has no index: walk the message headers from the start, skipping bodies. */
function streamLayout(file: LocalFile): IpcLayout {
  let position = 0;
  let schema: Schema | undefined;
  let schemaOffset = 0;
  const dictionaries: MessageBlock[] = [];
  const batches: BatchBlock[] = [];
  let rows = 0;
  let sawEndOfStream = false;
  while (position < file.size) {
    const read = readMessage(file, position, file.size);
    if (!read.message) {
      checkNothingAfterEnd(file, position, read.end);
      sawEndOfStream = true;
      break;
    }
    const { message, end } = read;
    if (message.isSchema()) {
      if (schema) throw corrupt(file.path, position, 'a second schema message');
      schema = read.schema;
      schemaOffset = position;
    } else if (!schema) {
      throw new InputError('the first message is not an Arrow schema', {
        where: file.path,
        byteOffset: position,
        hint: 'this is not an Arrow IPC file or stream; give it the extension of its real format',
      });
    } else if (message.isDictionaryBatch()) {
      dictionaries.push({ offset: position, end });
    } else if (read.batch) {
      const batchRows = read.batch.length;
      batches.push({ offset: position, end, rows: batchRows, first: rows, bodyLength: message.bodyLength });
      rows += batchRows;
    }
    position = end;
  }
  if (!schema) throw new InputError('the Arrow stream ends before its schema', { where: file.path, byteOffset: position, hint: 'the stream is empty or cut off; re-export it' });
  return { format: 'stream', schema, schemaOffset, dictionaries, batches, rows, sawEndOfStream };
}

/**
 * An end-of-stream marker must end the stream: messages after it mean a length field was zeroed
 * (reading on would silently drop every later batch). Zero padding after the marker is harmless.
 */
function checkNothingAfterEnd(file: LocalFile, marker: number, end: number): void {
  const rest = file.size - end;
  if (rest <= 0) return;
  const tail = file.read(end, Math.min(rest, 1 << 16), 'the bytes after the end-of-stream marker');
  const nonZero = tail.findIndex((byte) => byte !== 0);
  if (nonZero < 0 && rest <= tail.length) return;
  throw new InputError(`an end-of-stream marker (a zero message length) at byte ${marker}, but ${rest} more bytes follow it`, {
    where: file.path,
    byteOffset: marker,
    hint: 'the stream is corrupt: the batches after this point would be lost; re-export it',
  });
}

/**
 * The encapsulated message at `position`: [0xFFFFFFFF] int32 metadata length, flatbuffer, body.
 * Undefined message for the end-of-stream marker.
 */
type ReadMessage = { message: Message; end: number; batch?: RecordBatchHeader; schema?: Schema } | { message: undefined; end: number; batch?: undefined; schema?: undefined };

function readMessage(file: LocalFile, position: number, limit: number): ReadMessage {
  const truncated = (what: string): InputError => new InputError(`file ends inside ${what}`, { where: file.path, byteOffset: position, hint: 'the file was cut off while being written; re-export it' });
  if (position + 4 > limit) throw truncated('a message length');
  const prefix = new DataView(file.read(position, Math.min(8, limit - position), 'a message length').buffer);
  let metadataLength = prefix.getInt32(0, true);
  let prefixBytes = 4; // pre-0.15 streams have no continuation marker
  if (metadataLength === CONTINUATION) {
    if (position + 8 > limit) throw truncated('a message length');
    metadataLength = prefix.getInt32(4, true);
    prefixBytes = 8;
  }
  if (metadataLength === 0) return { message: undefined, end: position + prefixBytes };
  if (metadataLength < 0 || metadataLength > MAX_METADATA_BYTES) {
    if (position === 0) {
      throw new InputError('not an Arrow IPC file (no ARROW1 magic) nor an Arrow stream (no message at byte 0)', {
        where: file.path,
        byteOffset: 0,
        hint: 'give the file the extension of its real format',
      });
    }
    throw corrupt(file.path, position, `the message at byte ${position} declares ${metadataLength} bytes of metadata`);
  }
  const metadataStart = position + prefixBytes;
  if (metadataStart + metadataLength > limit) throw truncated('message metadata');
  const { message, batch, schema } = decodeMessage(file.read(metadataStart, metadataLength, 'message metadata'), file.path, position, metadataStart);
  const end = metadataStart + metadataLength + message.bodyLength;
  if (end > limit) throw truncated(`the body of the message at byte ${position}`);
  return { message, end, ...(batch ? { batch } : {}), ...(schema ? { schema } : {}) };
}

function corrupt(path: string, byteOffset: number, message: string, cause?: unknown): InputError {
  return new InputError(message, { where: path, byteOffset, hint: 'the file is corrupt; re-export it', ...(cause ? { cause } : {}) });
}

/** A schema message as a stream writer frames it (continuation, length, flatbuffer, 8-byte padding). */
function schemaMessageBytes(schema: Schema): Uint8Array {
  const flatbuffer = Message.encode(Message.from(schema));
  const size = (flatbuffer.byteLength + 8 + 7) & ~7;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt32(0, CONTINUATION, true);
  view.setInt32(4, size - 8, true);
  out.set(flatbuffer, 8);
  return out;
}

/**
 * Verify, then decode a message and (for record and dictionary batches) its header, which
 * apache-arrow decodes lazily: every failure is an InputError here, not later in a caller.
 */
function decodeMessage(metadata: Uint8Array, path: string, position: number, metadataStart: number): { message: Message; batch?: RecordBatchHeader; schema?: Schema } {
  verified(path, metadataStart, `Arrow message at byte ${position}`, () => verifyArrowMessage(metadata));
  const codec = batchCompression(metadata);
  if (codec !== undefined) {
    throw new InputError(`record batches are compressed (LZ4/ZSTD; this file: ${codec}), which the Arrow JS reader cannot decompress`, {
      where: path,
      byteOffset: position,
      hint: "rewrite without compression, e.g. pyarrow.feather.write_feather(table, path, compression='uncompressed')",
    });
  }
  try {
    const message = Message.decode(metadata);
    if (!Number.isSafeInteger(message.bodyLength) || message.bodyLength < 0) throw new Error(`body length ${message.bodyLength}`);
    if (message.isSchema()) return { message, schema: message.header() };
    const batch = message.isRecordBatch() ? message.header() : message.isDictionaryBatch() ? message.header().data : undefined;
    if (batch) checkBatchHeader(batch, message.bodyLength);
    return { message, ...(message.isRecordBatch() && batch ? { batch } : {}) };
  } catch (error) {
    if (VectorclinicError.isInstance(error)) throw error;
    if (/compression/i.test(errorReason(error))) {
      throw new InputError('record batches are compressed (LZ4/ZSTD), which the Arrow JS reader cannot decompress', {
        where: path,
        byteOffset: position,
        hint: "rewrite without compression, e.g. pyarrow.feather.write_feather(table, path, compression='uncompressed')",
        cause: error,
      });
    }
    throw unsupportedType(path, position, error) ?? new InputError(`malformed Arrow message (${errorReason(error)})`, { where: path, byteOffset: position, hint: 'the file is corrupt; re-export it', cause: error });
  }
}

/**
 * A valid Arrow type apache-arrow 18 cannot read (LargeList, LargeUtf8 views, RunEndEncoded …; the
 * verifier has already refused unknown ids): say so instead of calling the file corrupt.
 */
function unsupportedType(path: string, byteOffset: number, error: unknown): InputError | undefined {
  const match = /^Unrecognized type: "(\w+)" \((\d+)\)/.exec(errorReason(error));
  if (!match || match[1] === 'undefined') return undefined;
  return new InputError(`a column has type ${match[1]}, which the Arrow JS reader (apache-arrow 18) cannot read`, {
    where: path,
    byteOffset,
    hint: 'cast that column before writing (e.g. large_list → list, large_string → string), or write only the vector column as FixedSizeList<float32>',
    cause: error,
  });
}

/** Counts and buffer regions of a batch must be plain numbers inside its body before apache-arrow slices it. */
function checkBatchHeader(batch: RecordBatchHeader, bodyLength: number): void {
  if (!Number.isSafeInteger(batch.length) || batch.length < 0) throw new Error(`row count ${batch.length}`);
  batch.nodes.forEach((node: FieldNode, index) => {
    if (!Number.isSafeInteger(node.length) || node.length < 0 || node.nullCount < 0 || node.nullCount > node.length) {
      throw new Error(`field node ${index} claims ${node.length} values with ${node.nullCount} nulls`);
    }
  });
  batch.buffers.forEach((buffer: BufferRegion, index) => {
    if (!(buffer.offset >= 0 && buffer.length >= 0 && buffer.offset + buffer.length <= bodyLength)) {
      throw new Error(`buffer ${index} at body bytes ${buffer.offset}..${buffer.offset + buffer.length} lies outside the ${bodyLength}-byte body`);
    }
  });
}

/** Run the flatbuffer verifier; a failure is corrupt input at the offending byte of the file. */
function verified(path: string, start: number, what: string, verify: () => void): void {
  try {
    verify();
  } catch (error) {
    if (!(error instanceof FlatbufferError)) throw error;
    throw corrupt(path, start + error.at, `malformed ${what}: ${error.message}`, error);
  }
}

/**
 * apache-arrow decodes schemas, types and bodies lazily and throws TypeErrors on corrupt ones:
 * anything thrown while decoding `what` is corrupt input at `byteOffset`.
 */
function guarded<T>(path: string, byteOffset: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (VectorclinicError.isInstance(error)) throw error;
    // Sizes here are bounded by the file's bytes (checked above), so even a RangeError means corruption.
    throw new InputError(`cannot decode ${what}: ${errorReason(error)}`, { where: path, byteOffset, hint: 'the file is corrupt; re-export it', cause: error });
  }
}

/**
 * A batch's row count is read from its header before any body is: check it against the bytes the
 * vector column needs per row, so a corrupt count (10^12 rows) fails here instead of allocating.
 */
function checkRowClaims(layout: IpcLayout, column: VectorColumn, path: string): void {
  const bytesPerRow = column.fixedDim !== undefined ? column.fixedDim * column.element.bytes : 4; // list: one int32 offset
  for (const [index, batch] of layout.batches.entries()) {
    if (batch.rows * bytesPerRow > batch.bodyLength) {
      throw new InputError(`record batch ${index} claims ${batch.rows} rows but its body has only ${batch.bodyLength} bytes`, {
        where: path,
        byteOffset: batch.offset,
        hint: 'the file is corrupt; re-export it',
      });
    }
  }
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
