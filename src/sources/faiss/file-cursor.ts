import { InputError } from '../../errors.js';
import type { LocalFile } from '../files/local-file.js';

/** Small fields are read through a window this big: one read per header instead of one per field. */
const WINDOW_BYTES = 64 << 10;
const DEFAULT_HINT = 'the index file is truncated or corrupt; write it again with faiss.write_index';

/**
 * Sequential, bounds-checked reads of a `faiss.write_index` stream. Every count is checked
 * against the bytes left in the file before anything is allocated from it, and every error names
 * the byte offset where the bad field starts.
 */
export class FileCursor {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private view = new DataView(this.window.buffer);
  /** Offset of the next byte to read. */
  position = 0;

  constructor(readonly file: LocalFile) {}

  get remaining(): number {
    return this.file.size - this.position;
  }

  /** Throw an InputError located at `at` (default: the current field). */
  fail(message: string, at: number = this.position, hint: string = DEFAULT_HINT): never {
    throw new InputError(message, { where: this.file.path, byteOffset: at, hint });
  }

  u8(what: string): number {
    const at = this.take(1, what);
    return this.view.getUint8(at);
  }

  /** A C++ bool: FAISS writes 0 or 1, and rejects any other byte on load. */
  bool(what: string): boolean {
    const start = this.position;
    const value = this.u8(what);
    if (value > 1) this.fail(`${what} is ${value}, not a boolean (0 or 1)`, start);
    return value === 1;
  }

  i32(what: string): number {
    const at = this.take(4, what);
    return this.view.getInt32(at, true);
  }

  u32(what: string): number {
    const at = this.take(4, what);
    return this.view.getUint32(at, true);
  }

  f32(what: string): number {
    const at = this.take(4, what);
    return this.view.getFloat32(at, true);
  }

  i64(what: string): bigint {
    const at = this.take(8, what);
    return this.view.getBigInt64(at, true);
  }

  u64(what: string): bigint {
    const at = this.take(8, what);
    return this.view.getBigUint64(at, true);
  }

  /** A 64-bit size or count that must fit a safe integer and lie in [minimum, maximum]. */
  size(what: string, minimum = 0, maximum = Number.MAX_SAFE_INTEGER): number {
    const start = this.position;
    const value = this.i64(what);
    if (value < BigInt(minimum) || value > BigInt(maximum)) {
      this.fail(`${what} is ${value}, outside ${minimum}..${maximum}`, start);
    }
    return Number(value);
  }

  /** The four-character code FAISS writes before every object (little-endian uint32). */
  fourcc(what: string): string {
    const at = this.take(4, what);
    let text = '';
    for (let i = 0; i < 4; i++) text += String.fromCharCode(this.window[at + i] as number);
    return text;
  }

  /**
   * A FAISS vector's element count (the uint64 before its elements), validated against the
   * bytes left; returns the count and the offset of the first element, leaving the cursor there.
   */
  vectorHeader(what: string, elementBytes: number, expected?: number): { readonly count: number; readonly offset: number } {
    const start = this.position;
    const count = this.size(`${what} length`);
    if (expected !== undefined && count !== expected) {
      this.fail(`${what}: the file stores ${count} elements where ${expected} were expected`, start);
    }
    this.require(count * elementBytes, what, start);
    return { count, offset: this.position };
  }

  /** Skip a whole FAISS vector (count + elements) without reading its elements. */
  skipVector(what: string, elementBytes: number, expected?: number): { readonly count: number; readonly offset: number } {
    const header = this.vectorHeader(what, elementBytes, expected);
    this.skip(header.count * elementBytes, what);
    return header;
  }

  floatVector(what: string, expected?: number): Float32Array {
    const { count } = this.vectorHeader(what, 4, expected);
    return this.floats(count, what);
  }

  intVector(what: string, expected?: number): Int32Array {
    const { count } = this.vectorHeader(what, 4, expected);
    const bytes = this.bytes(count * 4, what);
    const out = new Int32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  }

  /** Sizes (uint64) as safe integers, each at most `maximum`. */
  sizeVector(what: string, maximum = Number.MAX_SAFE_INTEGER, expected?: number): Float64Array {
    const header = this.vectorHeader(what, 8, expected);
    const bytes = this.bytes(header.count * 8, what);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float64Array(header.count);
    for (let i = 0; i < header.count; i++) {
      const value = view.getBigUint64(i * 8, true);
      if (value > BigInt(maximum)) this.fail(`${what}[${i}] is ${value}, above ${maximum}`, header.offset + i * 8);
      out[i] = Number(value);
    }
    return out;
  }

  floats(count: number, what: string): Float32Array {
    const bytes = this.bytes(count * 4, what);
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }

  /** `length` bytes from the cursor (a fresh copy), advancing past them. */
  bytes(length: number, what: string): Uint8Array {
    const start = this.position;
    this.require(length, what, start);
    const out = this.file.read(start, length, what);
    this.position = start + length;
    return out;
  }

  skip(length: number, what: string): void {
    this.require(length, what, this.position);
    this.position += length;
  }

  /** Fail unless `length` bytes exist from `start` (before anything of that size is allocated). */
  require(length: number, what: string, start: number = this.position): void {
    if (!Number.isSafeInteger(length) || length < 0 || start + length > this.file.size) {
      const left = Math.max(0, this.file.size - start);
      this.fail(`${what} would take ${Number.isFinite(length) ? length : 'an impossible number of'} bytes but only ${left} remain in the file`, start);
    }
  }

  /** Make `length` bytes at the cursor available in the window; returns their offset in it. */
  private take(length: number, what: string): number {
    const start = this.position;
    if (start + length > this.file.size) {
      this.fail(`file ends inside ${what} (needs ${length} bytes at offset ${start}, ${Math.max(0, this.file.size - start)} left)`, start);
    }
    if (start < this.windowStart || start + length > this.windowStart + this.window.byteLength) {
      const size = Math.min(WINDOW_BYTES, this.file.size - start);
      this.window = this.file.read(start, size, what);
      this.windowStart = start;
      this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
    }
    this.position = start + length;
    return start - this.windowStart;
  }
}
