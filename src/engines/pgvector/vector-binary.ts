import { decodeElements } from '../../io/decode.js';
import { parseVectorText } from './vector-text.js';

/** The index types whose send format the one-pass scan decodes (sparsevec travels as text). */
export const BINARY_TYPES: Readonly<Record<string, 'float32' | 'float16'>> = { vector: 'float32', halfvec: 'float16' };

/**
 * One stored vector into row `slot` of `out`. Binary: base64 of pgvector's send format, int16 dim,
 * int16 unused, then big-endian float4 (vector) or float2 (halfvec). False for a vector of another length.
 */
export function decodeRow(value: string, binary: 'float32' | 'float16' | undefined, bytes: Buffer | undefined, dim: number, type: string, out: Float32Array, slot: number): boolean {
  if (!binary || !bytes) {
    const parsed = parseVectorText(value, type as 'sparsevec');
    if (!parsed || parsed.length !== dim) return false;
    out.set(parsed, slot * dim);
    return true;
  }
  const length = bytes.write(value, 'base64');
  if (length !== bytes.length || bytes.readInt16BE(0) !== dim) return false;
  decodeElements({ storage: binary, bytes: binary === 'float16' ? 2 : 4, littleEndian: false }, { bytes, byteOffset: 4, count: dim, out, outOffset: slot * dim });
  return true;
}
