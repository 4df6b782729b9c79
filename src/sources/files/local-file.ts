import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { inPageCache } from '../../io/page-cache.js';
import { InputError } from '../../errors.js';

/**
 * A read-only file with bounds-checked positioned reads. Reads are synchronous on purpose:
 * sampling issues thousands of small reads, and a thread-pool round trip per read costs more
 * than the read itself.
 */
export class LocalFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readonly size: number,
  ) {
    this.fd = fd;
  }

  static open(path: string): LocalFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw openError(path, error);
    }
    const stat = fstatSync(fd);
    if (stat.isDirectory()) {
      closeSync(fd);
      throw new InputError('is a directory, not a vector file', {
        where: path,
        hint: 'point vectorclinic at a .npy, .fvecs, .bvecs, .jsonl, .parquet, .arrow or index file',
      });
    }
    return new LocalFile(path, fd, stat.size);
  }

  /** Fill `into` from `position`; a short read means the file is shorter than its header claims. */
  readInto(into: Uint8Array, position: number, what = 'data'): void {
    this.checkRange(position, into.byteLength, what);
    let done = 0;
    while (done < into.byteLength) {
      const read = readSync(this.handle(), into, done, into.byteLength - done, position + done);
      if (read === 0) {
        throw new InputError(`unexpected end of file while reading ${what}`, { where: this.path, byteOffset: position + done });
      }
      done += read;
    }
  }

  /**
   * `readInto` on the thread pool: a full scan reads the next block while the current one is
   * computed on, so a cold file costs the disk's time, not the disk's plus the CPU's.
   */
  async readIntoAsync(into: Uint8Array, position: number, what = 'data'): Promise<void> {
    this.checkRange(position, into.byteLength, what);
    const fd = this.handle();
    let done = 0;
    while (done < into.byteLength) {
      const count = await new Promise<number>((resolve, reject) => {
        read(fd, into, done, into.byteLength - done, position + done, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
      });
      if (count === 0) {
        throw new InputError(`unexpected end of file while reading ${what}`, { where: this.path, byteOffset: position + done });
      }
      done += count;
    }
  }

  /** The bytes [position, position + length), checked against the file size before allocating. */
  read(position: number, length: number, what = 'data'): Uint8Array {
    this.checkRange(position, length, what);
    const bytes = new Uint8Array(length);
    this.readInto(bytes, position, what);
    return bytes;
  }

  private checkRange(position: number, length: number, what: string): void {
    const end = position + length;
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || end > this.size) {
      throw new InputError(`file ends before the ${what} does (needs bytes ${position}..${end}, file has ${this.size})`, {
        where: this.path,
        byteOffset: Math.max(0, Math.min(position, this.size)),
        hint: 'the file is truncated or its header is wrong; re-export it',
      });
    }
  }

  /** Whether the file is in the page cache past its middle (timed reads, see io/page-cache.ts). */
  inPageCache(): boolean {
    return inPageCache(this.handle(), this.size);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`read after close: ${this.path}`);
    return this.fd;
  }
}

function openError(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError('no such file', { where: path, hint: 'check the path', cause: error });
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError('permission denied', { where: path, hint: 'vectorclinic only needs read access', cause: error });
  }
  return new InputError(`cannot open (${code ?? String(error)})`, { where: path, cause: error });
}
