import { fstatSync, readSync } from 'node:fs';

/**
 * Whether a file is in the page cache past its middle, told by timing 1 MiB reads at its middle and
 * at three quarters (Node has no mincore()). On the development machine a read took 0.27–0.61 ms from
 * the page cache and 1.25–2.6 ms from its virtual disk, depending on the disk's mood; an NVMe drive
 * answers in ~0.3–0.5 ms, fast enough to count as cached for what this decides (whether a second read
 * stream or thread pays off). The faster of the two under 0.9 ms counts as cached.
 */
const CACHE_PROBE_BYTES = 1 << 20;
const CACHE_PROBE_MAX_MS = 0.9;

/**
 * Verdicts already given in this process, by file identity. A probe's own reads put the probed
 * pages in the cache, so asking twice would always answer "cached" the second time: the CLI's
 * read-ahead probes first, and the scan asking again made a cold file look warm (two scan threads,
 * two read streams).
 */
const verdicts = new Map<string, boolean>();

export function inPageCache(fd: number, fileBytes: number): boolean {
  const key = fileIdentity(fd, fileBytes);
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const cached = probe(fd, fileBytes);
  verdicts.set(key, cached);
  return cached;
}

function probe(fd: number, fileBytes: number): boolean {
  const into = new Uint8Array(Math.min(CACHE_PROBE_BYTES, fileBytes));
  // Touched beforehand: its page faults would otherwise be timed too.
  into.fill(1);
  let fastest = Infinity;
  for (const share of [0.5, 0.75]) {
    const start = Math.max(0, Math.min(Math.floor(fileBytes * share), fileBytes - into.byteLength));
    const started = performance.now();
    readSync(fd, into, 0, into.byteLength, start);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest < CACHE_PROBE_MAX_MS;
}

/** Device, inode, size and modification time: the same file however it was opened. */
function fileIdentity(fd: number, fileBytes: number): string {
  const stat = fstatSync(fd, { bigint: true });
  return `${stat.dev}:${stat.ino}:${fileBytes}:${stat.mtimeNs}`;
}
