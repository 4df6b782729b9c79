import { InputError } from '../../errors.js';

/**
 * No embedding model writes more dimensions than this (the widest in use are ~12k; sparse-vocab
 * models ~30k). A larger value is a corrupt header, and sizing buffers by it would be a huge
 * allocation (every sampled row and per-column counter is dim-sized).
 */
export const MAX_DIM = 1 << 16;

/** Reject a dimension no embedding has, before anything is sized by it. */
export function checkDimension(dim: number, where: string, position: { byteOffset?: number; row?: number }): void {
  // A signed header field (Arrow's listSize is an int32) read from a corrupt file can be negative.
  if (!Number.isInteger(dim) || dim < 0) {
    throw new InputError(`a vector dimension of ${dim} is impossible`, {
      where,
      ...position,
      hint: 'the header is corrupt or this is not a table of embedding vectors',
    });
  }
  if (dim <= MAX_DIM) return;
  throw new InputError(`vectors of dimension ${dim} (more than ${MAX_DIM}) are not embeddings`, {
    where,
    ...position,
    hint: 'the header is corrupt or this is not a table of embedding vectors',
  });
}
