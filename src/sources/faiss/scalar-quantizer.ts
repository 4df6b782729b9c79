import { decodeElements, type DecodeSpan } from '../../io/decode.js';
import type { ScalarQuantizer } from './index-tree.js';

/**
 * FAISS ScalarQuantizer types (ScalarQuantizer::QuantizerType, in enum order) and how each
 * encodes a vector (faiss/impl/scalar_quantizer/codecs.h, quantizers.h). Types after
 * QT_8bit_direct_signed (TurboQuant, EDEN) are not read.
 */
export interface ScalarQuantizerType {
  readonly name: string;
  /** Bits per component for range-coded types; 16 for fp16/bf16; 8 for direct types. */
  readonly bits: number;
  readonly codeSize: (d: number) => number;
  /** Floats in `trained` (vmin then vdiff): per dimension, shared, or none. */
  readonly trainedLength: (d: number) => number;
  readonly uniform?: boolean;
}

export const SQ_TYPES: readonly ScalarQuantizerType[] = [
  { name: 'QT_8bit', bits: 8, codeSize: (d) => d, trainedLength: (d) => 2 * d },
  { name: 'QT_4bit', bits: 4, codeSize: (d) => Math.ceil(d / 2), trainedLength: (d) => 2 * d },
  { name: 'QT_8bit_uniform', bits: 8, codeSize: (d) => d, trainedLength: () => 2, uniform: true },
  { name: 'QT_4bit_uniform', bits: 4, codeSize: (d) => Math.ceil(d / 2), trainedLength: () => 2, uniform: true },
  { name: 'QT_fp16', bits: 16, codeSize: (d) => 2 * d, trainedLength: () => 0 },
  { name: 'QT_8bit_direct', bits: 8, codeSize: (d) => d, trainedLength: () => 0 },
  { name: 'QT_6bit', bits: 6, codeSize: (d) => Math.ceil((d * 6) / 8), trainedLength: (d) => 2 * d },
  { name: 'QT_bf16', bits: 16, codeSize: (d) => 2 * d, trainedLength: () => 0 },
  { name: 'QT_8bit_direct_signed', bits: 8, codeSize: (d) => d, trainedLength: () => 0 },
];

const FP16 = { storage: 'float16', bytes: 2, littleEndian: true } as const;
const BF16 = { storage: 'bfloat16', bytes: 2, littleEndian: true } as const;

/** True for the types that map codes into a trained [vmin, vmin + vdiff] range. */
export function isRangeCoded(sq: ScalarQuantizer): boolean {
  return sq.type <= 3 || sq.type === 6;
}

/** Levels of a range-coded component: codes 0..levels map to (code + 0.5) / levels of the range. */
export function levelsOf(sq: ScalarQuantizer): number {
  return 2 ** sq.bits - 1;
}

/** The integer code of component `i` of the vector at `offset` (range-coded and direct types). */
export function componentCode(sq: ScalarQuantizer, bytes: Uint8Array, offset: number, i: number): number {
  switch (sq.bits) {
    case 8:
      return bytes[offset + i] as number;
    case 4:
      return ((bytes[offset + (i >> 1)] as number) >> ((i & 1) << 2)) & 0xf;
    case 6: {
      const base = offset + (i >> 2) * 3;
      const b0 = bytes[base] as number;
      const b1 = bytes[base + 1] as number;
      const b2 = bytes[base + 2] as number;
      switch (i & 3) {
        case 0:
          return b0 & 0x3f;
        case 1:
          return (b0 >> 6) | ((b1 & 0xf) << 2);
        case 2:
          return (b1 >> 4) | ((b2 & 3) << 4);
        default:
          return b2 >> 2;
      }
    }
    default:
      throw new RangeError(`no integer codes for ${sq.typeName}`);
  }
}

/** Decode `rows.count` vectors of `sq` codes into `rows.out` (count × d floats). */
export function decodeScalarCodes(sq: ScalarQuantizer, rows: DecodeSpan): void {
  const { bytes, byteOffset, count, out, outOffset } = rows;
  const { d, codeSize } = sq;
  if (sq.type === 4 || sq.type === 7) {
    for (let r = 0; r < count; r++) decodeElements(sq.type === 4 ? FP16 : BF16, { bytes, byteOffset: byteOffset + r * codeSize, count: d, out, outOffset: outOffset + r * d });
    return;
  }
  if (sq.type === 5 || sq.type === 8) {
    const shift = sq.type === 8 ? 128 : 0;
    for (let r = 0; r < count; r++) {
      for (let i = 0; i < d; i++) out[outOffset + r * d + i] = (bytes[byteOffset + r * codeSize + i] as number) - shift;
    }
    return;
  }
  const levels = levelsOf(sq);
  const uniform = sq.type === 2 || sq.type === 3;
  const trained = sq.trained;
  for (let r = 0; r < count; r++) {
    const codes = byteOffset + r * codeSize;
    const base = outOffset + r * d;
    for (let i = 0; i < d; i++) {
      const unit = (componentCode(sq, bytes, codes, i) + 0.5) / levels;
      const vmin = (uniform ? trained[0] : trained[i]) as number;
      const vdiff = (uniform ? trained[1] : trained[d + i]) as number;
      out[base + i] = vmin + unit * vdiff;
    }
  }
}

/**
 * Largest L2 error decoding can add to a vector: each range-coded component lands within half a
 * step (vdiff / levels / 2) of its value, so the error norm is at most √Σ (vdiff_i / 2·levels)².
 * Only meaningful for range-coded types.
 */
export function maxDecodeError(sq: ScalarQuantizer): number {
  if (!isRangeCoded(sq) || sq.trained.length === 0) return 0;
  const levels = levelsOf(sq);
  let sum = 0;
  for (let i = 0; i < sq.d; i++) {
    const vdiff = (sq.trained.length === 2 ? sq.trained[1] : sq.trained[sq.d + i]) as number;
    sum += (vdiff / (2 * levels)) ** 2;
  }
  return Math.sqrt(sum);
}
