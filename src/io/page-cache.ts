import { readSync } from 'node:fs';

/**
 * Whether a file's pages around `position` are in the page cache, told by timing one 1 MiB read:
 * 0.4–0.6 ms from the page cache on the development machine, 2.4–2.6 ms from its (virtual) disk; an
 * NVMe drive takes ~0.3–0.5 ms, fast enough to count as cached for what this decides (whether a
 * second read stream or thread pays off). Under 1.5 ms counts as cached. Node has no mincore().
 */
export const CACHE_PROBE_BYTES = 1 << 20;
const CACHE_PROBE_MAX_MS = 1.5;

export function inPageCache(fd: number, position: number, fileBytes: number): boolean {
  const start = Math.max(0, Math.min(position, fileBytes - CACHE_PROBE_BYTES));
  // Touched beforehand: its page faults would otherwise be timed too.
  const into = new Uint8Array(Math.min(CACHE_PROBE_BYTES, fileBytes - start)).fill(1);
  const started = performance.now();
  readSync(fd, into, 0, into.byteLength, start);
  return performance.now() - started < CACHE_PROBE_MAX_MS;
}
