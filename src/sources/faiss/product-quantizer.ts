import type { DecodeSpan } from '../../io/decode.js';
import type { ProductQuantizer } from './index-tree.js';

/**
 * Sub-code `j` of the vector whose code starts at `offset`: FAISS packs the m codes of nbits each
 * into one little-endian bit stream (PQEncoderGeneric), so code j is bits [j·nbits, (j+1)·nbits).
 */
export function subCode(pq: ProductQuantizer, bytes: Uint8Array, offset: number, j: number): number {
  if (pq.nbits === 8) return bytes[offset + j] as number;
  let bit = j * pq.nbits;
  let value = 0;
  let written = 0;
  while (written < pq.nbits) {
    const byte = bytes[offset + (bit >> 3)] as number;
    const shift = bit & 7;
    const take = Math.min(8 - shift, pq.nbits - written);
    value += ((byte >> shift) & ((1 << take) - 1)) * 2 ** written;
    written += take;
    bit += take;
  }
  return value;
}

/** Decode `rows.count` PQ codes into vectors: sub-vector j is centroid code_j of sub-quantizer j. */
export function decodeProductCodes(pq: ProductQuantizer, rows: DecodeSpan): void {
  const { bytes, byteOffset, count, out, outOffset } = rows;
  const { m, ksub, dsub, codeSize, centroids } = pq;
  for (let r = 0; r < count; r++) {
    const codes = byteOffset + r * codeSize;
    const base = outOffset + r * pq.d;
    for (let j = 0; j < m; j++) {
      const centroid = (j * ksub + subCode(pq, bytes, codes, j)) * dsub;
      out.set(centroids.subarray(centroid, centroid + dsub), base + j * dsub);
    }
  }
}
