import { openAsBlob } from 'node:fs';
import { tableFromIPC, type Data } from 'apache-arrow';
import type { ParquetFile } from 'parquet-wasm';
import { InputError, VectorclinicError } from '../../errors.js';
import type { RowBlock, ScanOptions, SourceDescription, SourceOptions, VectorSource } from '../source.js';
import { decodeVectorCells, findVectorColumn, listDimension, type VectorColumn } from './arrow-vectors.js';
import { errorReason } from './error-text.js';
import { LocalFile } from './local-file.js';
import { PARQUET_MAGIC } from './magic.js';
import { normToleranceFor } from './norm-tolerance.js';
import { RowBlockBuilder } from './row-block-builder.js';
import { containWasmTraps, isWasmTrap } from './wasm-panics.js';

/** Rows looked at to pick the dimension of a variable-length list column. */
const PROBE_ROWS = 1000;
/** Floats per decoded batch when the caller does not say (16 MB of float32). */
const DEFAULT_BATCH_FLOATS = 4 << 20;

/**
 * Parquet through parquet-wasm (Rust's arrow-rs parquet reader compiled to WebAssembly) reading
 * the file lazily through a Blob: only the footer and the vector column's chunks of the row
 * groups asked for are read. Chosen over hyparquet, which decodes into JS arrays: about 10×
 * faster here (39 vs 4 MB/s of vectors on a loaded machine, scripts/fixtures/files/measure-readers.ts;
 * 150–190 vs 35 MB/s unloaded per ../shared/DEPENDENCIES.md).
 */
export async function openParquet(path: string, options: SourceOptions = {}): Promise<VectorSource> {
  const { footerStart } = checkFraming(path);
  const { ParquetFile } = await import('parquet-wasm');
  const blob = await openAsBlob(path);
  const footerError = (error: unknown): InputError =>
    new InputError(`cannot read the Parquet footer (${decodeFailure(error)})`, {
      where: path,
      byteOffset: footerStart,
      hint: 'the file is corrupt or truncated; re-export it',
      cause: error,
    });
  let file: ParquetFile;
  try {
    file = await containWasmTraps(() => ParquetFile.fromFile(blob), footerError);
  } catch (error) {
    throw VectorclinicError.isInstance(error) ? error : footerError(error);
  }
  try {
    return await containWasmTraps(async () => {
      try {
        return await ParquetSource.create(file, path, options, footerStart);
      } catch (error) {
        // The schema and row-group metadata are decoded from the footer: a failure there is a corrupt footer.
        throw VectorclinicError.isInstance(error) ? error : footerError(error);
      }
    }, footerError);
  } catch (error) {
    freeQuietly(file);
    throw error;
  }
}

/** Why parquet-wasm failed; a trap's own message ("unreachable") says nothing to a user. */
function decodeFailure(error: unknown): string {
  return isWasmTrap(error) ? `the WebAssembly Parquet decoder aborted on corrupt data (${errorReason(error)})` : errorReason(error);
}

/** After a WASM trap the module's memory may be inconsistent: freeing can trap again. */
function freeQuietly(file: { free(): void }): void {
  try {
    file.free();
  } catch {
    // nothing more to release
  }
}

class ParquetSource implements VectorSource {
  private closed = false;

  private constructor(
    private readonly groups: RowGroupReader,
    private readonly description: SourceDescription,
  ) {}

  static async create(file: ParquetFile, path: string, options: SourceOptions, footerStart: number): Promise<ParquetSource> {
    const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
    const column = findVectorColumn(schema, options.field, path, footerStart);
    const metadata = file.metadata();
    const groups = metadata.rowGroups();
    const groupStarts = [0];
    let columnBytes = 0;
    for (const group of groups) {
      groupStarts.push((groupStarts[groupStarts.length - 1] as number) + group.numRows());
      for (const chunk of group.columns()) {
        if (chunk.columnPath()[0] === column.name) columnBytes += chunk.compressedSize();
        chunk.free();
      }
      group.free();
    }
    const rows = groupStarts[groupStarts.length - 1] as number;
    const claimed = metadata.fileMetadata().numRows();
    metadata.free();
    if (claimed !== rows) {
      throw new InputError(`the footer claims ${claimed} rows but its row groups hold ${rows}`, {
        where: path,
        byteOffset: footerStart,
        hint: 'the footer is corrupt; re-export the file',
      });
    }
    const groupReader = new RowGroupReader(file, path, column, groupStarts);
    const dim = column.fixedDim ?? (rows > 0 ? await groupReader.probeDimension() : 0);
    const notes = [column.others.length ? `vectors read from column '${column.name}' (also list columns: ${column.others.join(', ')}; choose with --field)` : undefined].filter(
      (note): note is string => note !== undefined,
    );
    const description: SourceDescription = {
      kind: 'parquet',
      target: path,
      rows,
      rowsExact: true,
      dim,
      storage: { type: column.element.storage, bytes: columnBytes, lossy: false },
      normTolerance: normToleranceFor(column.element.storage, dim),
      local: true,
      ...(notes.length ? { notes } : {}),
    };
    return new ParquetSource(groupReader, description);
  }

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  /** Row group by row group; within one, batches of about `blockFloats` values. */
  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { dim } = this.description;
    const batchRows = Math.max(1, Math.floor((options.blockFloats ?? DEFAULT_BATCH_FLOATS) / Math.max(1, dim)));
    const { column, path } = this.groups;
    for (let group = 0; group < this.groups.count; group++) {
      for await (const { data, first } of this.groups.chunks(group, batchRows)) {
        options.signal?.throwIfAborted();
        const builder = new RowBlockBuilder(dim, data.length);
        decodeVectorCells({ data, firstRow: first }, { column, dim, where: path }, builder);
        yield builder.finish();
      }
    }
  }

  /** Reads only the row groups that hold a wanted row. */
  async readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    const { dim, rows } = this.description;
    const { column, path, starts } = this.groups;
    const builder = new RowBlockBuilder(dim, rowNumbers.length);
    let i = 0;
    let group = 0;
    while (i < rowNumbers.length) {
      const row = rowNumbers[i] as number;
      if (!Number.isInteger(row) || row < 0 || row >= rows) throw new RangeError(`row ${row} outside 0..${rows - 1}`);
      while ((starts[group + 1] as number) <= row) group++;
      const groupEnd = starts[group + 1] as number;
      for await (const { data, first } of this.groups.chunks(group, Math.max(1, Math.floor(DEFAULT_BATCH_FLOATS / Math.max(1, dim))))) {
        const indices: number[] = [];
        while (i < rowNumbers.length && (rowNumbers[i] as number) < first + data.length) {
          const wanted = rowNumbers[i] as number;
          if (i > 0 && wanted <= (rowNumbers[i - 1] as number)) throw new RangeError('rows must be ascending and distinct');
          indices.push(wanted - first);
          i++;
        }
        if (indices.length) decodeVectorCells({ data, firstRow: first, indices }, { column, dim, where: path }, builder);
        if (i >= rowNumbers.length || (rowNumbers[i] as number) >= groupEnd) break;
      }
    }
    return builder.finish(true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.groups.free();
  }
}

/** Decodes the vector column of one row group at a time. */
class RowGroupReader {
  constructor(
    private readonly file: ParquetFile,
    readonly path: string,
    readonly column: VectorColumn,
    /** Row number where each row group starts, plus the total at the end. */
    readonly starts: readonly number[],
  ) {}

  get count(): number {
    return this.starts.length - 1;
  }

  free(): void {
    freeQuietly(this.file);
  }

  async probeDimension(): Promise<number> {
    const chunks: Data[] = [];
    let seen = 0;
    for (let group = 0; group < this.count && seen < PROBE_ROWS; group++) {
      for await (const { data } of this.chunks(group, PROBE_ROWS)) {
        chunks.push(data);
        seen += data.length;
        if (seen >= PROBE_ROWS) break;
      }
    }
    const dim = listDimension(chunks, this.column, PROBE_ROWS, this.path);
    if (dim === undefined) {
      throw new InputError(`column '${this.column.name}' holds only null vectors in its first ${seen} rows`, {
        row: 0,
        where: this.path,
        hint: 'nothing was embedded; re-run the embedding job',
      });
    }
    return dim;
  }

  /** The vector column of one row group as Arrow chunks, each with its first row number. */
  async *chunks(group: number, batchRows: number): AsyncGenerator<{ data: Data; first: number }> {
    const start = this.starts[group] as number;
    const expected = (this.starts[group + 1] as number) - start;
    let first = start;
    const groupError = (error: unknown): InputError =>
      new InputError(`cannot decode row group ${group} (rows ${start}..${start + expected - 1}): ${decodeFailure(error)}`, {
        where: this.path,
        row: first,
        hint: 'the file is corrupt or truncated; re-export it',
        cause: error,
      });
    // Every step that runs WASM is awaited inside containWasmTraps: a panic is this group's error.
    const decodeNext = async (iterator: AsyncIterator<{ intoIPCStream(): Uint8Array }>): Promise<readonly Data[] | undefined> =>
      containWasmTraps(async () => {
        try {
          const next = await iterator.next();
          return next.done ? undefined : (tableFromIPC(next.value.intoIPCStream()).getChildAt(0)?.data ?? []);
        } catch (error) {
          throw VectorclinicError.isInstance(error) ? error : groupError(error);
        }
      }, groupError);
    const stream = await containWasmTraps(async () => {
      try {
        return (await this.file.stream({ rowGroups: [group], columns: [this.column.name], batchSize: batchRows })) as unknown as AsyncIterable<{ intoIPCStream(): Uint8Array }>;
      } catch (error) {
        throw VectorclinicError.isInstance(error) ? error : groupError(error);
      }
    }, groupError);
    const iterator = stream[Symbol.asyncIterator]();
    for (let chunks = await decodeNext(iterator); chunks; chunks = await decodeNext(iterator)) {
      for (const data of chunks) {
        yield { data, first };
        first += data.length;
      }
    }
    if (first - start !== expected) {
      throw new InputError(`row group ${group} claims ${expected} rows but holds ${first - start}`, {
        where: this.path,
        row: start,
        hint: 'the file is corrupt; re-export it',
      });
    }
  }
}

/** Magic bytes at both ends and a footer length that fits: the cheap checks before the WASM reader. */
function checkFraming(path: string): { size: number; footerStart: number } {
  const file = LocalFile.open(path);
  try {
    if (file.size < 12) throw new InputError(`too short to be a Parquet file (${file.size} bytes)`, { where: path, byteOffset: 0 });
    const head = file.read(0, 4, 'the Parquet magic');
    if (!PARQUET_MAGIC.every((byte, i) => head[i] === byte)) {
      throw new InputError('not a Parquet file (missing the PAR1 magic bytes)', {
        where: path,
        byteOffset: 0,
        hint: 'give the file the extension of its real format',
      });
    }
    const tail = file.read(file.size - 8, 8, 'the Parquet footer');
    if (!PARQUET_MAGIC.every((byte, i) => tail[4 + i] === byte)) {
      throw new InputError('the file does not end with the PAR1 footer: it is truncated', {
        where: path,
        byteOffset: file.size,
        hint: 'the writer did not finish (a Parquet footer is written last); re-export it',
      });
    }
    const footerLength = new DataView(tail.buffer).getUint32(0, true);
    if (footerLength > file.size - 12) {
      throw new InputError(`footer length ${footerLength} exceeds the file`, { where: path, byteOffset: file.size - 8, hint: 'the file is corrupt; re-export it' });
    }
    return { size: file.size, footerStart: file.size - 8 - footerLength };
  } finally {
    file.close();
  }
}
