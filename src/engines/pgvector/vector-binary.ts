import { decodeElements, type ElementType } from '../../io/decode.js';
import { parseVectorText } from './vector-text.js';

/** The index types whose send format the one-pass scan decodes (sparsevec travels as text). */
export const BINARY_TYPES: Readonly<Record<string, 'float32' | 'float16'>> = { vector: 'float32', halfvec: 'float16' };

/** A stored pgvector type and the dimension every decoded row must have. */
export interface StoredVector {
  /** vector, halfvec or sparsevec (the column's or the index's stored type). */
  readonly type: string;
  readonly dim: number;
}

/**
 * Decodes stored vectors, one per call, into rows of a matrix. Made once per read: it owns the
 * scratch buffer, so decoding a row allocates nothing of its own.
 */
export class VectorRowDecoder {
  private readonly type: string;
  private readonly dim: number;
  private readonly element: ElementType | undefined;
  private readonly bytes: Buffer | undefined;

  constructor(stored: StoredVector) {
    this.type = stored.type;
    this.dim = stored.dim;
    const binary = BINARY_TYPES[stored.type];
    this.element = binary ? { storage: binary, bytes: binary === 'float16' ? 2 : 4, littleEndian: false } : undefined;
    this.bytes = this.element ? Buffer.alloc(4 + stored.dim * this.element.bytes) : undefined;
  }

  /**
   * One stored vector into row `slot` of `out`. Binary (vector, halfvec): base64 of pgvector's send
   * format, int16 dim, int16 unused, then big-endian float4 or float2; other types: their text form.
   * False for a vector of another length.
   */
  decode(value: string, out: Float32Array, slot: number): boolean {
    const { element, bytes, dim } = this;
    if (!element || !bytes) {
      const parsed = parseVectorText(value, this.type as 'sparsevec');
      if (!parsed || parsed.length !== dim) return false;
      out.set(parsed, slot * dim);
      return true;
    }
    const length = bytes.write(value, 'base64');
    if (length !== bytes.length || bytes.readInt16BE(0) !== dim) return false;
    decodeElements(element, { bytes, byteOffset: 4, count: dim, out, outOffset: slot * dim });
    return true;
  }
}
