import { InputError } from '../../errors.js';
import type { LocalFile } from './local-file.js';

/** Large enough that a sequential pass costs one syscall per MiB, small enough to stay cache-friendly. */
const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Little-endian field reads at arbitrary positions of a LocalFile, served from a read-ahead
 * buffer: index formats interleave small headers with large payloads (hnswlib link lists,
 * usearch node tapes) and walking them field by field with one read each would cost a syscall
 * per field. Every read is bounds-checked against the file; nothing is allocated from a count
 * read out of the file.
 */
export class ChunkedReader {
  private buffer: Uint8Array;
  private view: DataView;
  private start = 0;
  private end = 0;

  constructor(
    readonly file: LocalFile,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    this.buffer = new Uint8Array(Math.min(chunkBytes, file.size));
    this.view = new DataView(this.buffer.buffer);
  }

  u8(position: number, what: string): number {
    return this.window(position, 1, what).getUint8(position - this.start);
  }

  u16(position: number, what: string): number {
    return this.window(position, 2, what).getUint16(position - this.start, true);
  }

  i16(position: number, what: string): number {
    return this.window(position, 2, what).getInt16(position - this.start, true);
  }

  u32(position: number, what: string): number {
    return this.window(position, 4, what).getUint32(position - this.start, true);
  }

  i32(position: number, what: string): number {
    return this.window(position, 4, what).getInt32(position - this.start, true);
  }

  u64(position: number, what: string): bigint {
    return this.window(position, 8, what).getBigUint64(position - this.start, true);
  }

  f64(position: number, what: string): number {
    return this.window(position, 8, what).getFloat64(position - this.start, true);
  }

  /** An unsigned integer of 4, 5 or 8 bytes (usearch's u32 / u40 / u64 keys and slots), as BigInt. */
  unsigned(position: number, bytes: number, what: string): bigint {
    const view = this.window(position, bytes, what);
    const at = position - this.start;
    if (bytes === 8) return view.getBigUint64(at, true);
    if (bytes === 4) return BigInt(view.getUint32(at, true));
    if (bytes === 5) return BigInt(view.getUint32(at, true)) + (BigInt(view.getUint8(at + 4)) << 32n);
    throw new Error(`unsupported integer width ${bytes}`);
  }

  /**
   * The resident bytes from `position` on (at least `length` of them), for tight loops over many
   * small fields: read `view` at `at` while `at < limit`, then ask again from the new position.
   */
  span(position: number, length: number, what: string): { readonly view: DataView; readonly at: number; readonly limit: number } {
    const view = this.window(position, length, what);
    return { view, at: position - this.start, limit: this.end - this.start };
  }

  /** `length` bytes at `position` (a view into the buffer: valid until the next read). */
  bytes(position: number, length: number, what: string): Uint8Array {
    this.window(position, length, what);
    return this.buffer.subarray(position - this.start, position - this.start + length);
  }

  /** Make [position, position + length) resident and return the view to read it through. */
  private window(position: number, length: number, what: string): DataView {
    if (position >= this.start && position + length <= this.end) return this.view;
    const size = this.file.size;
    if (position < 0 || position + length > size) {
      throw new InputError(`file ends inside ${what} (needs bytes ${position}..${position + length}, file has ${size})`, {
        where: this.file.path,
        byteOffset: Math.max(0, Math.min(position, size)),
        hint: 'the file is truncated or its header is wrong; re-save the index',
      });
    }
    if (length > this.buffer.byteLength) {
      this.buffer = new Uint8Array(length);
      this.view = new DataView(this.buffer.buffer);
    }
    const readLength = Math.min(Math.max(length, this.chunkBytes, this.buffer.byteLength), size - position);
    this.file.readInto(this.buffer.subarray(0, readLength), position, what);
    this.start = position;
    this.end = position + readLength;
    return this.view;
  }
}
