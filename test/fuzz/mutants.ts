import type { Rng } from '../../src/math/rng.js';

/**
 * Seeded mutants of a valid file: the corruptions a bit flip, a buggy writer or a cut-off copy
 * leave behind. Offsets are drawn mostly from the file's structure (headers, footers, message
 * metadata: where counts and lengths live), sometimes from anywhere.
 */

export interface Mutant {
  readonly bytes: Uint8Array;
  /** How it was made, with byte offsets: enough to rebuild it by hand. */
  readonly description: string;
}

/** [start, end) byte ranges holding a format's counts, lengths and offsets. */
export type Regions = readonly (readonly [number, number])[];

/** Values that break size arithmetic: zero, one, sign bits, 2^30 (the issue's `children` length), all ones. */
/** Bytes that are type ids and enum values (Arrow types 16..27 include the ones apache-arrow cannot read), signs and ends. */
const INTERESTING_8 = [0, 1, 2, 3, 16, 19, 20, 21, 22, 23, 24, 25, 26, 27, 0x7f, 0x80, 0xff];
const INTERESTING_32 = [0, 1, 2, 0xff, 0x7fff, 0xffff, 1 << 24, 1 << 30, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_64 = [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];

export function mutant(original: Uint8Array, regions: Regions, rng: Rng): Mutant {
  const offset = pickOffset(original.length, regions, rng);
  const bytes = Uint8Array.from(original);
  const view = new DataView(bytes.buffer);
  const kind = rng.nextInt(10);
  if (kind === 0) return { bytes: original.subarray(0, offset), description: `cut to ${offset} bytes` };
  if (kind <= 2 && offset + 4 <= bytes.length) {
    const value = rng.nextInt(4) === 0 ? rng.nextUint32() : (INTERESTING_32[rng.nextInt(INTERESTING_32.length)] as number);
    view.setUint32(offset, value, true);
    return { bytes, description: `uint32 at byte ${offset} set to ${value}` };
  }
  if (kind <= 4 && offset + 8 <= bytes.length) {
    const value = INTERESTING_64[rng.nextInt(INTERESTING_64.length)] as bigint;
    view.setBigUint64(offset, value, true);
    return { bytes, description: `uint64 at byte ${offset} set to ${value}` };
  }
  if (kind === 5 && offset + 4 <= bytes.length) {
    view.setUint32(offset, 0, true);
    return { bytes, description: `4 bytes at ${offset} zeroed` };
  }
  const edits: string[] = [];
  for (let flips = 1 + rng.nextInt(4), i = 0; i < flips; i++) {
    const at = Math.min(bytes.length - 1, offset + rng.nextInt(16));
    const value = rng.nextInt(2) === 0 ? rng.nextInt(256) : (INTERESTING_8[rng.nextInt(INTERESTING_8.length)] as number);
    bytes[at] = value;
    edits.push(`${at}=${value}`);
  }
  return { bytes, description: `bytes set ${edits.join(', ')}` };
}

/** 80 %: inside a structure region; 20 %: anywhere in the file. */
function pickOffset(length: number, regions: Regions, rng: Rng): number {
  const usable = regions.filter(([start, end]) => end > start && start < length);
  if (usable.length > 0 && rng.nextInt(5) !== 0) {
    const [start, end] = usable[rng.nextInt(usable.length)] as readonly [number, number];
    return start + rng.nextInt(Math.min(end, length) - start);
  }
  return rng.nextInt(Math.max(1, length));
}

/** The first and last `bytes` of a file: headers and footers of most formats. */
export function headAndTail(length: number, bytes = 4096): Regions {
  return [
    [0, Math.min(length, bytes)],
    [Math.max(0, length - bytes), length],
  ];
}
