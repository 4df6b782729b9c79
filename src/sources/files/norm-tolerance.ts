import type { StorageType } from '../source.js';

/**
 * How far the norm of a vector that was unit length before storage can be from 1 after it is
 * stored in `storage`. Rounding each value by a relative error e moves the norm by at most e
 * (and by about e/√dim on average); we allow the worst case plus float32 accumulation error.
 */
export function normToleranceFor(storage: StorageType, dim: number): number {
  const accumulation = 1e-6 * Math.sqrt(Math.max(1, dim));
  switch (storage) {
    case 'float64':
    case 'float32':
      return 1e-4 + accumulation;
    case 'float16':
      return 2 ** -10 + accumulation; // half precision: 10-bit mantissa
    case 'bfloat16':
      return 2 ** -7 + accumulation; // 7-bit mantissa
    case 'int8':
    case 'uint8':
    case 'sq':
      return 2e-2;
    case 'pq':
      return 5e-2;
    default:
      return 1e-3;
  }
}
