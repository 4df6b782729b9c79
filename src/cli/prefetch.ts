import { closeSync, openSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../core/sibling-worker.js';
import { inPageCache } from '../io/page-cache.js';
import { KIB_READ, PREFETCH_CONTROL_WORDS, type PrefetchTask, SCAN_KIB, STOP } from './prefetch-task.js';

/**
 * Read-ahead for a cold file. `check` spends its first ~0.2 s loading modules while the disk sits
 * idle, and the scan then reads one block ahead of its computing. For a large local file on a
 * machine with a core to spare, the CLI starts a thread that reads the file sequentially from the
 * first moment, at most a window ahead of the scan, so the scan mostly finds its pages in the page
 * cache and the disk never waits. When the scan catches up (the disk is the slower), the thread
 * stops and the scan's own reads take over: two read streams on one disk take turns. Advisory only:
 * it never writes, any error ends it quietly, and the window bounds how much of the page cache it
 * fills ahead of use.
 *
 * Measured on a cold 2 GiB .npy: a read-ahead on the main thread's event loop read at a third of the
 * disk's speed during start-up (module evaluation blocks it), and one that stopped at a fixed 512
 * MiB left the disk idle ~0.25 s while the scan worked through what it had read.
 */

/** Files below this are read in a blink anyway (the parallel scan's threshold too). */
export const PREFETCH_MIN_FILE_BYTES = 512 << 20;
/** How far ahead of the scan it reads: a second's worth of a fast disk, far less than the page cache. */
export const PREFETCH_WINDOW_BYTES = 1 << 30;
/**
 * Blocking reads of 1 MiB kept pace with `cat` on a cold 2 GiB file (0.94 s against 0.91 s, medians
 * of 5); blocking reads of 8 MiB took 3.1 s.
 */
const BLOCK_BYTES = 1 << 20;

export interface Prefetch {
  /** Stop after the read in flight (at most one block). */
  stop(): void;
  /**
   * Where the scan is, as a share of the file: the window moves with it, and once the scan has read
   * as far as the read-ahead has, the read-ahead stops (two read streams on one disk take turns).
   */
  scanReached(share: number): void;
  /** Bytes read so far. */
  readonly bytesRead: number;
  /** Bytes read when the read-ahead ends (the whole file, stopped, or failed). */
  readonly done: Promise<number>;
  /** The file read ahead. */
  readonly path: string;
  /**
   * Resolves true when the read-ahead ends having read the whole file: its pages are then in the
   * page cache (short of memory pressure), where the sample helper can read the sampled rows.
   */
  readonly whole: Promise<boolean>;
}

export interface PrefetchOptions {
  readonly minFileBytes?: number;
  /** How far ahead of the scan it reads (default PREFETCH_WINDOW_BYTES). */
  readonly windowBytes?: number;
  /** Read ahead even when the file is already in the page cache (where it only costs copies). */
  readonly whenCached?: boolean;
  readonly blockBytes?: number;
  /**
   * Cores; default availableParallelism(). It runs only with two or more. Not the idle ones: the
   * thread mostly waits on the disk, and right after other disk work (a `cat` before) the idle
   * count reads the kernel's I/O threads as busy cores.
   */
  readonly cores?: number;
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
  if (size < (options.minFileBytes ?? PREFETCH_MIN_FILE_BYTES) || (options.cores ?? availableParallelism()) < 2) return undefined;
  if (!options.whenCached && middleInPageCache(path, size)) return undefined;
  const control = new Int32Array(new SharedArrayBuffer(PREFETCH_CONTROL_WORDS * 4));
  const task: PrefetchTask = { path, size, window: options.windowBytes ?? PREFETCH_WINDOW_BYTES, blockBytes: options.blockBytes ?? BLOCK_BYTES, control: control.buffer as SharedArrayBuffer };
  let worker: Worker;
  try {
    worker = startSiblingWorker(import.meta.url, 'prefetch-worker', task);
  } catch {
    return undefined;
  }
  // Never keeps the process alive: a check that ends first just exits.
  worker.unref();
  const stop = (): void => {
    Atomics.store(control, STOP, 1);
    Atomics.notify(control, SCAN_KIB);
  };
  const bytesRead = (): number => Atomics.load(control, KIB_READ) * 1024;
  const done = new Promise<number>((resolve) => {
    worker.once('message', (bytes: number) => resolve(bytes));
    // An error ends it quietly: the scan reports whatever is wrong with the file.
    worker.once('error', () => resolve(bytesRead()));
    worker.once('exit', () => resolve(bytesRead()));
  });
  return {
    stop,
    scanReached: (share) => {
      const scanned = share * size;
      if (scanned >= bytesRead()) {
        stop();
        return;
      }
      Atomics.store(control, SCAN_KIB, Math.floor(scanned / 1024));
      Atomics.notify(control, SCAN_KIB);
    },
    get bytesRead() {
      return bytesRead();
    },
    done,
    path,
    whole: done.then((bytes) => bytes >= size),
  };
}

/** A file already in the page cache needs no read-ahead: it would only copy it once more. */
function middleInPageCache(path: string, size: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return inPageCache(fd, size);
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The target of `check ARGS…` when it can be told without parsing: the first word not starting with '-'. */
export function checkTargetOf(args: readonly string[]): string | undefined {
  const first = args[0];
  return first !== undefined && !first.startsWith('-') ? first : undefined;
}
