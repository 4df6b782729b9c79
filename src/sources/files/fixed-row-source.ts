import { constants } from 'node:buffer';
import { kernels } from '../../math/kernels.js';
import type { RangeScanning, RowBlock, ScanOptions, SourceDescription, VectorSource } from '../source.js';
import { decodeElements, type ElementType } from '../../io/decode.js';
import type { LocalFile } from './local-file.js';
import type { StoredElement, StoredRows } from '../../math/exact-top-k.js';

const { MAX_LENGTH } = constants;

/** Element types the exact engine widens itself (float32 rows are read as they are). */
function isWidenedByEngine(storage: string): storage is Exclude<StoredElement, 'float32'> {
  return storage === 'float16' || storage === 'bfloat16' || storage === 'int8' || storage === 'uint8';
}

/** Where the rows of a fixed-row-size file are and how each row is laid out. */
export interface FixedRowLayout {
  readonly dataOffset: number;
  readonly rows: number;
  readonly dim: number;
  readonly element: ElementType;
  /** Bytes from one row's start to the next. */
  readonly rowStride: number;
  /** Bytes before the vector inside each row (fvecs/bvecs store the dimension there). */
  readonly rowPrefix: number;
  /** Throws when a row's prefix is inconsistent (fvecs rows must all repeat the same dimension). */
  readonly checkPrefix?: (bytes: Uint8Array, offset: number, row: number, fileOffset: number) => void;
}

const DEFAULT_BLOCK_BYTES = 8 << 20;
/** Rows closer than this (in bytes) are read with one read instead of two. */
const COALESCE_GAP_BYTES = 16 << 10;

/** npy, fvecs, bvecs: every row has the same size, so any row is one positioned read away. */
export class FixedRowSource implements VectorSource {
  constructor(
    private readonly file: LocalFile,
    private readonly layout: FixedRowLayout,
    private readonly description: SourceDescription,
  ) {}

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  /** The file this source reads (a parallel scan reopens it in worker threads). */
  get path(): string {
    return this.file.path;
  }

  /** Worker threads reopen the file by its reader kind and path. */
  get rangeScanning(): RangeScanning {
    return {
      reopen: { kind: this.description.kind, path: this.file.path },
      scanRange: (first, end, options) => this.scanRange(first, end, options),
      inPageCache: () => this.file.inPageCache(),
    };
  }

  scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    return this.scanRange(0, this.layout.rows, options);
  }

  /** Rows `first` .. `end - 1` in order, as blocks that reuse one buffer. */
  async *scanRange(first: number, end: number, options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { rows, dim, rowStride, rowPrefix, element, dataOffset } = this.layout;
    if (!(first >= 0 && first <= end && end <= rows)) throw new RangeError(`row range ${first}..${end} outside 0..${rows}`);
    const blockBytes = options.blockFloats ? options.blockFloats * element.bytes : DEFAULT_BLOCK_BYTES;
    const rowsPerBlock = Math.max(1, Math.floor(blockBytes / rowStride));
    const capacity = Math.min(end - first, rowsPerBlock);
    // Little-endian float32 rows without a prefix are the vectors themselves: read the file
    // straight into kernel memory, skipping both the decode copy and the copy into WebAssembly.
    const direct = element.storage === 'float32' && element.littleEndian && rowPrefix === 0 && !this.layout.checkPrefix;
    // Two of each: the next block is read (on the thread pool) while the caller works on this one.
    const buffers = [kernels().allocate(capacity * dim), kernels().allocate(capacity * dim)] as const;
    const raws = direct ? undefined : ([new Uint8Array(capacity * rowStride), new Uint8Array(capacity * rowStride)] as const);
    const startRead = (slot: 0 | 1, start: number): Promise<void> => {
      const count = Math.min(rowsPerBlock, end - start);
      const into = raws ? raws[slot].subarray(0, count * rowStride) : buffers[slot].bytes.subarray(0, count * rowStride);
      return this.file.readIntoAsync(into, dataOffset + start * rowStride, `rows ${start}..${start + count - 1}`);
    };
    let pending: Promise<void> | undefined = first < end ? startRead(0, first) : undefined;
    try {
      let slot: 0 | 1 = 0;
      for (let start = first; start < end; start += rowsPerBlock) {
        options.signal?.throwIfAborted();
        const count = Math.min(rowsPerBlock, end - start);
        await pending;
        const next = start + rowsPerBlock;
        pending = next < end ? startRead(slot === 0 ? 1 : 0, next) : undefined;
        const buffer = buffers[slot];
        if (raws) this.decodeRows(raws[slot].subarray(0, count * rowStride), start, count, buffer.floats);
        yield { dim, count, data: buffer.floats.subarray(0, count * dim), start };
        slot = slot === 0 ? 1 : 0;
      }
    } finally {
      // A read still in flight writes into these buffers: let it land before they are reused.
      await pending?.catch(() => undefined);
      for (const buffer of buffers) buffer.release();
    }
  }

  async readStoredRows(): Promise<StoredRows | undefined> {
    const { dim, rows, rowPrefix, element, dataOffset } = this.layout;
    const storage = element.storage;
    if (!isWidenedByEngine(storage) || !element.littleEndian || rowPrefix !== 0 || this.layout.checkPrefix) return undefined;
    // One byte array holds at most 4 GiB here; a larger file is read as float32 rows instead.
    if (rows * dim * element.bytes > MAX_LENGTH) return undefined;
    const bytes = this.file.read(dataOffset, rows * dim * element.bytes, `rows 0..${rows - 1}`);
    return { bytes, storage, count: rows, dim };
  }

  async readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    const { dim, rowStride, rows } = this.layout;
    const data = new Float32Array(rowNumbers.length * dim);
    let i = 0;
    while (i < rowNumbers.length) {
      // Coalesce nearby rows into one read: cheaper than many tiny reads on dense samples.
      let j = i + 1;
      while (j < rowNumbers.length && ((rowNumbers[j] as number) - (rowNumbers[j - 1] as number) - 1) * rowStride < COALESCE_GAP_BYTES) {
        j++;
      }
      const first = rowNumbers[i] as number;
      const last = rowNumbers[j - 1] as number;
      if (first < 0 || last >= rows) throw new RangeError(`row ${first < 0 ? first : last} outside 0..${rows - 1}`);
      const bytes = this.file.read(this.layout.dataOffset + first * rowStride, (last - first + 1) * rowStride, `row ${first}`);
      for (let k = i; k < j; k++) {
        const row = rowNumbers[k] as number;
        this.decodeRow(bytes, (row - first) * rowStride, row, data, k * dim);
      }
      i = j;
    }
    return { dim, count: rowNumbers.length, data, start: rowNumbers[0] ?? 0, rows: rowNumbers };
  }

  async close(): Promise<void> {
    this.file.close();
  }

  private decodeRows(bytes: Uint8Array, start: number, count: number, out: Float32Array): void {
    const { dim, rowStride, rowPrefix, element } = this.layout;
    if (rowPrefix === 0 && !this.layout.checkPrefix) {
      decodeElements(element, { bytes, byteOffset: 0, count: count * dim, out, outOffset: 0 });
      return;
    }
    for (let r = 0; r < count; r++) this.decodeRow(bytes, r * rowStride, start + r, out, r * dim);
  }

  private decodeRow(bytes: Uint8Array, offset: number, row: number, out: Float32Array, outOffset: number): void {
    const { dim, rowPrefix, element, dataOffset, rowStride } = this.layout;
    this.layout.checkPrefix?.(bytes, offset, row, dataOffset + row * rowStride);
    decodeElements(element, { bytes, byteOffset: offset + rowPrefix, count: dim, out, outOffset });
  }
}
