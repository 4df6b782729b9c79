import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { commitTemp, tempPathFor } from './atomic.js';

/** NumPy aligns the data start to 64 bytes (format 1.0: magic, version, u16 header length, dict). */
const ALIGN = 64;

/** A format-1.0 header for a C-order (rows × dim) array of `descr` (NumPy's dtype string, '<f4' by default). */
export function npyHeader(rows: number, dim: number, descr = '<f4'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / ALIGN) * ALIGN;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(header.buffer).setUint16(8, text.length, true);
  header.set(Buffer.from(text, 'latin1'), 10);
  return header;
}

/**
 * Streams float32 rows into a .npy file written atomically: rows go to a temp file whose header is
 * rewritten with the final row count, and only `finish()` renames it over the target.
 */
/** Bytes handed to one write call. */
const WRITE_SLICE_BYTES = 1 << 30;

export class NpyWriter {
  readonly tempPath: string;
  private readonly fd: number;
  private rows = 0;
  /** Header size for the largest row count we could reach is reserved up front. */
  private readonly headerBytes: number;

  constructor(
    readonly target: string,
    private readonly dim: number,
    maxRows: number,
  ) {
    this.tempPath = tempPathFor(target);
    this.fd = openSync(this.tempPath, 'w');
    this.headerBytes = npyHeader(maxRows, dim).byteLength;
    writeSync(this.fd, new Uint8Array(this.headerBytes), 0, this.headerBytes, 0);
  }

  get count(): number {
    return this.rows;
  }

  write(data: Float32Array, count: number): void {
    // In slices: one writeSync takes at most 2 GiB (1M × 768 floats is 3 GB), and a byte view over 4 GiB is beyond V8's typed arrays.
    const sliceRows = Math.max(1, Math.floor(WRITE_SLICE_BYTES / Math.max(1, this.dim * 4)));
    for (let first = 0; first < count; first += sliceRows) {
      const rows = Math.min(sliceRows, count - first);
      const bytes = new Uint8Array(data.buffer, data.byteOffset + first * this.dim * 4, rows * this.dim * 4);
      const position = this.headerBytes + this.rows * this.dim * 4;
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(this.fd, bytes, written, bytes.byteLength - written, position + written);
      this.rows += rows;
    }
  }

  /** Write the final header (padded to the reserved size) and rename the file into place. */
  finish(): void {
    const header = npyHeader(this.rows, this.dim);
    const padded = new Uint8Array(this.headerBytes);
    padded.set(header);
    // Pad the dict with spaces up to the reserved length, keeping the newline last.
    padded.fill(0x20, header.byteLength - 1, this.headerBytes - 1);
    padded[this.headerBytes - 1] = 0x0a;
    new DataView(padded.buffer).setUint16(8, this.headerBytes - 10, true);
    writeSync(this.fd, padded, 0, padded.byteLength, 0);
    closeSync(this.fd);
    commitTemp(this.tempPath, this.target);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tempPath, { force: true });
  }
}

/** Write a whole matrix as .npy, atomically. */
export function writeNpy(target: string, data: Float32Array, rows: number, dim: number): void {
  const writer = new NpyWriter(target, dim, rows);
  try {
    writer.write(data, rows);
    writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
}
