import type { StorageType } from '../core/storage-type.js';

/** Element types a fixed-row file can store, with how to widen them to float32. */
export interface ElementType {
  readonly storage: StorageType;
  readonly bytes: number;
  readonly littleEndian: boolean;
}

let halfTable: Float32Array | undefined;

/** All 65536 float16 bit patterns as float32 (Inf and NaN included): one lookup per value. */
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    let value: number;
    if (exponent === 0) value = fraction * 2 ** -24;
    else if (exponent === 31) value = fraction === 0 ? Infinity : NaN;
    else value = (1 + fraction / 1024) * 2 ** (exponent - 15);
    halfTable[bits] = sign * value;
  }
  return halfTable;
}

/** `count` values stored in `bytes` from `byteOffset` (any alignment), to land in `out` from `outOffset`. */
export interface DecodeSpan {
  readonly bytes: Uint8Array;
  readonly byteOffset: number;
  readonly count: number;
  readonly out: Float32Array;
  readonly outOffset: number;
}

/**
 * Widen the `span.count` elements of `type` in a span to float32. Values are copied, never
 * reinterpreted in place, so sources can reuse buffers.
 */
export function decodeElements(type: ElementType, span: DecodeSpan): void {
  const { bytes, byteOffset, count, out, outOffset } = span;
  const aligned = (bytes.byteOffset + byteOffset) % type.bytes === 0;
  switch (type.storage) {
    case 'float32':
      if (type.littleEndian && aligned) {
        out.set(new Float32Array(bytes.buffer, bytes.byteOffset + byteOffset, count), outOffset);
      } else if (type.littleEndian) {
        new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, count * 4).set(bytes.subarray(byteOffset, byteOffset + count * 4));
      } else {
        const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * 4);
        for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(i * 4, false);
      }
      return;
    case 'float64': {
      const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * 8);
      if (type.littleEndian && aligned) {
        const doubles = new Float64Array(bytes.buffer, bytes.byteOffset + byteOffset, count);
        for (let i = 0; i < count; i++) out[outOffset + i] = doubles[i] as number;
      } else {
        for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat64(i * 8, type.littleEndian);
      }
      return;
    }
    case 'float16': {
      const table = halfToFloat();
      for (let i = 0; i < count; i++) {
        const lo = bytes[byteOffset + 2 * i] as number;
        const hi = bytes[byteOffset + 2 * i + 1] as number;
        out[outOffset + i] = table[type.littleEndian ? lo | (hi << 8) : hi | (lo << 8)] as number;
      }
      return;
    }
    case 'bfloat16': {
      const word = new Uint32Array(1);
      const asFloat = new Float32Array(word.buffer);
      for (let i = 0; i < count; i++) {
        const lo = bytes[byteOffset + 2 * i] as number;
        const hi = bytes[byteOffset + 2 * i + 1] as number;
        word[0] = (type.littleEndian ? lo | (hi << 8) : hi | (lo << 8)) << 16;
        out[outOffset + i] = asFloat[0] as number;
      }
      return;
    }
    case 'uint8':
      for (let i = 0; i < count; i++) out[outOffset + i] = bytes[byteOffset + i] as number;
      return;
    case 'int8':
      for (let i = 0; i < count; i++) out[outOffset + i] = ((bytes[byteOffset + i] as number) << 24) >> 24;
      return;
    default:
      throw new Error(`no decoder for storage type ${type.storage}`);
  }
}
