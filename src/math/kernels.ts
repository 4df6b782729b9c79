import type { Kernels, RowScanOutput } from './kernel-types.js';
import { dotDim, loadWasmKernels, plainBuffer } from './kernels-wasm.js';

export type { KernelBuffer, Kernels, RowScanOutput } from './kernel-types.js';

/**
 * The numeric kernels every check leans on. Two implementations share this interface: a plain
 * TypeScript one (reference, always available) and a WebAssembly SIMD one (fast path,
 * src/math/kernels-wasm.ts), which must agree with it bit for bit on flags, hashes and column
 * counts and within float rounding on norms and dot products.
 */

/** Row flags written by `scanRows`. */
export const ROW_NONFINITE = 1;
export const ROW_ZERO = 2;

const HASH_PRIME_1 = 0x9e3779b1;
const HASH_PRIME_2 = 0x85ebca77;
const HASH_PRIME_3 = 0xc2b2ae3d;

/**
 * Row hash, defined lane-wise so a 4-lane SIMD loop computes the same value: word w[4j+l] is mixed
 * into lane l (tail padded with zeros), then the lanes are folded. Both implementations must agree.
 */
export function hashRowWords(words: Uint32Array, offset: number, dim: number, out: { low: number; high: number }): void {
  let l0 = 0x01234567;
  let l1 = 0x89abcdef;
  let l2 = 0xfedcba98;
  let l3 = 0x76543210;
  const full = dim & ~3;
  let j = 0;
  for (; j < full; j += 4) {
    l0 = Math.imul(rotl(l0 ^ (words[offset + j] as number), 13), HASH_PRIME_1);
    l1 = Math.imul(rotl(l1 ^ (words[offset + j + 1] as number), 13), HASH_PRIME_1);
    l2 = Math.imul(rotl(l2 ^ (words[offset + j + 2] as number), 13), HASH_PRIME_1);
    l3 = Math.imul(rotl(l3 ^ (words[offset + j + 3] as number), 13), HASH_PRIME_1);
  }
  if (j < dim) {
    const w0 = words[offset + j] as number;
    const w1 = j + 1 < dim ? (words[offset + j + 1] as number) : 0;
    const w2 = j + 2 < dim ? (words[offset + j + 2] as number) : 0;
    l0 = Math.imul(rotl(l0 ^ w0, 13), HASH_PRIME_1);
    l1 = Math.imul(rotl(l1 ^ w1, 13), HASH_PRIME_1);
    l2 = Math.imul(rotl(l2 ^ w2, 13), HASH_PRIME_1);
    l3 = Math.imul(rotl(l3 ^ 0, 13), HASH_PRIME_1);
  }
  out.low = finalMix(l0 ^ rotl(l1, 7) ^ rotl(l2, 17) ^ rotl(l3, 25) ^ dim);
  out.high = finalMix(Math.imul(l0, HASH_PRIME_2) ^ rotl(l1, 19) ^ Math.imul(rotl(l2, 3), HASH_PRIME_3) ^ rotl(l3, 11));
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function finalMix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), HASH_PRIME_2);
  h = Math.imul(h ^ (h >>> 13), HASH_PRIME_3);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Reference implementation in plain TypeScript. */
export const jsKernels: Kernels = {
  name: 'js',
  allocate: plainBuffer,
  scanRows(data, count, dim, out) {
    const words = new Uint32Array(data.buffer, data.byteOffset, count * dim);
    const hash = { low: 0, high: 0 };
    const columns = out.columnNonzero;
    for (let r = 0; r < count; r++) {
      const base = r * dim;
      let sum = 0;
      let nonfinite = false;
      let nonzero = false;
      for (let j = 0; j < dim; j++) {
        const v = data[base + j] as number;
        sum += v * v;
        if (v !== 0) {
          nonzero = true;
          columns[j] = (columns[j] as number) + 1;
          if (v - v !== 0) nonfinite = true;
        }
      }
      out.norms2[r] = sum;
      out.flags[r] = (nonfinite ? ROW_NONFINITE : 0) | (nonzero ? 0 : ROW_ZERO);
      hashRowWords(words, base, dim, hash);
      out.hashLow[r] = hash.low;
      out.hashHigh[r] = hash.high;
    }
  },
  dot(aRows, bRows, out) {
    const dim = dotDim(aRows, bRows);
    const { data: a, count: countA } = aRows;
    const { data: b, count: countB } = bRows;
    for (let i = 0; i < countA; i++) {
      const ai = i * dim;
      for (let k = 0; k < countB; k++) {
        const bk = k * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let j = 0;
        for (; j + 3 < dim; j += 4) {
          s0 += (a[ai + j] as number) * (b[bk + j] as number);
          s1 += (a[ai + j + 1] as number) * (b[bk + j + 1] as number);
          s2 += (a[ai + j + 2] as number) * (b[bk + j + 2] as number);
          s3 += (a[ai + j + 3] as number) * (b[bk + j + 3] as number);
        }
        for (; j < dim; j++) s0 += (a[ai + j] as number) * (b[bk + j] as number);
        out[i * countB + k] = s0 + s1 + s2 + s3;
      }
    }
  },
};

let active: Kernels | undefined;
let fallbackReason: string | undefined;

/**
 * The kernels in use: the WebAssembly ones (loaded on first use), or the reference when the
 * .wasm file is missing or cannot run here, or when VECTORCLINIC_KERNELS=js asks for it.
 */
export function kernels(): Kernels {
  active ??= loadDefaultKernels();
  return active;
}

export function useKernels(implementation: Kernels): void {
  active = implementation;
}

/** Why the reference kernels are in use instead of the WebAssembly ones (undefined when they are not). */
export function kernelsFallbackReason(): string | undefined {
  kernels();
  return fallbackReason;
}

function loadDefaultKernels(): Kernels {
  if (process.env.VECTORCLINIC_KERNELS === 'js') {
    fallbackReason = 'VECTORCLINIC_KERNELS=js';
    return jsKernels;
  }
  try {
    return loadWasmKernels();
  } catch (error) {
    fallbackReason = `WebAssembly kernels unavailable (${error instanceof Error ? error.message : String(error)})`;
    return jsKernels;
  }
}

export function createRowScanOutput(rows: number, dim: number): RowScanOutput {
  return {
    norms2: new Float32Array(rows),
    flags: new Uint8Array(rows),
    hashLow: new Uint32Array(rows),
    hashHigh: new Uint32Array(rows),
    columnNonzero: new Uint32Array(dim),
  };
}
