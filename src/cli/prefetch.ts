import { close, open, read, statSync } from 'node:fs';
import { idleCores } from '../gather/idle-cores.js';

/**
 * `check` spends its first ~0.3 s loading modules, while a file in a cold page cache waits on an
 * idle disk. For a large local file on a machine with a core to spare, the CLI starts reading the
 * file's head into the page cache at once, block by block into one reused buffer, so the scan finds
 * those pages already read. Advisory only: it never writes, any error ends it quietly, and it reads
 * at most PREFETCH_BYTES (the start-up's worth of disk time; the scan's own read-ahead does the rest,
 * and a bounded prefetch never evicts what it read before the scan gets there).
 */

/** Files below this are read in a blink anyway (the parallel scan's threshold too). */
export const PREFETCH_MIN_FILE_BYTES = 512 << 20;
/** About what a fast disk delivers during start-up (2 GB/s × 0.3 s). */
export const PREFETCH_BYTES = 512 << 20;
const BLOCK_BYTES = 8 << 20;

export interface Prefetch {
  /** Stop after the read in flight (at most one block). */
  stop(): void;
  /**
   * Hand over to the scan once it has read as far (as a share of the file) as the prefetch has:
   * until then the scan's reads hit the page cache and the disk serves the prefetch alone; after,
   * two read streams would take turns at the disk (measured on a cold 2 GiB .npy: a prefetch left
   * running to its limit made the scan ~0.15 s slower than none at all).
   */
  scanReached(share: number): void;
  /** Bytes read so far. */
  readonly bytesRead: number;
  /** Bytes read when the prefetch ends (finished, stopped, or failed). */
  readonly done: Promise<number>;
}

export interface PrefetchOptions {
  readonly minFileBytes?: number;
  readonly maxBytes?: number;
  readonly blockBytes?: number;
  /** Cores free for it; default: idleCores(). The prefetch runs only with two or more. */
  readonly idleCores?: number;
}

/** Start prefetching `path` when it is a regular file worth it; undefined otherwise. */
export function prefetchFile(path: string, options: PrefetchOptions = {}): Prefetch | undefined {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return undefined;
    size = stats.size;
  } catch {
    return undefined;
  }
  if (size < (options.minFileBytes ?? PREFETCH_MIN_FILE_BYTES) || (options.idleCores ?? idleCores()) < 2) return undefined;
  const limit = Math.min(size, options.maxBytes ?? PREFETCH_BYTES);
  const buffer = Buffer.allocUnsafe(Math.min(limit, options.blockBytes ?? BLOCK_BYTES));
  let stopped = false;
  let position = 0;
  const done = new Promise<number>((resolve) => {
    open(path, 'r', (openError, fd) => {
      if (openError) {
        resolve(0);
        return;
      }
      const next = (): void => {
        if (stopped || position >= limit) {
          close(fd, () => resolve(position));
          return;
        }
        read(fd, buffer, 0, Math.min(buffer.length, limit - position), position, (error, bytes) => {
          // A failed or short read ends the prefetch: the scan reports whatever is wrong with the file.
          if (error || bytes === 0) stopped = true;
          else position += bytes;
          next();
        });
      };
      next();
    });
  });
  return {
    stop: () => {
      stopped = true;
    },
    scanReached: (share) => {
      if (share * size >= position) stopped = true;
    },
    get bytesRead() {
      return position;
    },
    done,
  };
}

/** The target of `check ARGS…` when it can be told without parsing: the first word not starting with '-'. */
export function checkTargetOf(args: readonly string[]): string | undefined {
  const first = args[0];
  return first !== undefined && !first.startsWith('-') ? first : undefined;
}
