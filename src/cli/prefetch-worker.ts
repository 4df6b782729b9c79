import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { KIB_READ, type PrefetchTask, SCAN_KIB, STOP } from './prefetch-task.js';

/**
 * The read-ahead's own thread: plain blocking reads, one block after another, so the disk never
 * waits on the main thread (whose event loop is blocked while the check's modules are evaluated:
 * there the same reads came at a third of the disk's speed). It reads at most `window` bytes ahead
 * of the scan and waits for the scan to move on. Advisory only: it never writes, and any error ends
 * it quietly (the scan reports whatever is wrong with the file).
 */

const { path, size, window, blockBytes, control } = workerData as PrefetchTask;
const words = new Int32Array(control);
/** How long to wait for the scan to move before looking at STOP again. */
const WAIT_MS = 50;
let position = 0;
try {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(size, blockBytes)));
    while (position < size && Atomics.load(words, STOP) === 0) {
      const scanned = Atomics.load(words, SCAN_KIB);
      const allowed = Math.min(size, scanned * 1024 + window);
      if (position >= allowed) {
        Atomics.wait(words, SCAN_KIB, scanned, WAIT_MS);
        continue;
      }
      const bytes = readSync(fd, buffer, 0, Math.min(buffer.length, allowed - position), position);
      if (bytes === 0) break;
      position += bytes;
      Atomics.store(words, KIB_READ, Math.floor(position / 1024));
    }
  } finally {
    closeSync(fd);
  }
} catch {
  // A file that cannot be read is the scan's to report.
}
parentPort?.postMessage(position);
