import { statSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Refuse standard input and pipes up front, in plain words. Every reader seeks (an .npy header then
 * rows by offset, a Parquet footer, an index's sections), which a stream cannot do; without this a
 * pipe reads as an empty or missing file ("file is empty", "no such file").
 */
export function assertFileInput(path: string | undefined, flag: string): void {
  if (path === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return;
  if (path === '-') throw streamError(flag, 'standard input');
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    return; // ENOTDIR and the like: the reader reports the path as it always has
  }
  if (stats && (stats.isFIFO() || stats.isSocket() || stats.isCharacterDevice())) {
    throw streamError(flag, `${path} (a pipe or device, not a file)`);
  }
}

function streamError(flag: string, what: string): UsageError {
  return new UsageError(`reading from ${what} is not supported: vectorclinic reads files by position (header, rows, footer), which a stream cannot give`, {
    where: flag,
    hint: 'save the stream to a file first (e.g. `your-export > vectors.npy`) and pass that path',
  });
}
