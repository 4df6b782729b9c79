import { LocalFile } from '../../src/sources/files/local-file.js';

/**
 * Counts the bytes every LocalFile reads while `action` runs (the real reads still happen): how
 * tests show that sampling is positioned instead of reading the whole file.
 */
export async function countBytesRead<T>(action: () => Promise<T>): Promise<{ result: T; bytes: number; reads: number }> {
  const original = LocalFile.prototype.readInto;
  const originalAsync = LocalFile.prototype.readIntoAsync;
  let bytes = 0;
  let reads = 0;
  LocalFile.prototype.readInto = function (this: LocalFile, into: Uint8Array, position: number, what?: string) {
    bytes += into.byteLength;
    reads++;
    return original.call(this, into, position, what);
  };
  // Full scans read ahead on the thread pool.
  LocalFile.prototype.readIntoAsync = function (this: LocalFile, into: Uint8Array, position: number, what?: string) {
    bytes += into.byteLength;
    reads++;
    return originalAsync.call(this, into, position, what);
  };
  try {
    const result = await action();
    return { result, bytes, reads };
  } finally {
    LocalFile.prototype.readInto = original;
    LocalFile.prototype.readIntoAsync = originalAsync;
  }
}
