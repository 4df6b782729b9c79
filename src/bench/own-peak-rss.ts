import { readFileSync } from 'node:fs';

/**
 * This process's own peak resident memory in KB. On Linux `process.resourceUsage().maxRSS` of a
 * spawned child starts from its parent's resident size (fork copies the parent's memory image
 * before exec: measured, a child of a parent holding 800 MB reports 767 MB, its own high-water
 * mark being 43 MB), so the kernel's per-image high-water mark (VmHWM) is read where it exists.
 */
export function ownPeakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux: maxRSS is the best figure there.
  }
  return process.resourceUsage().maxRSS;
}
