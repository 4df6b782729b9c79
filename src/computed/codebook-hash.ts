import { sha256Of } from '../io/sha256.js';
import type { IndexDescription } from '../sources/source.js';

/**
 * SHA-256 of an index's trained state as read back from it: IVF centroids (nlist × dim float32),
 * then the PQ codebook (M × ksub × dsub float32). The FAISS builder computes the same bytes in
 * Python, so a manifest written at build time can be compared with the index found later.
 */
export function codebookHash(index: IndexDescription | undefined): string | undefined {
  const parts: Float32Array[] = [];
  if (index?.ivf?.centroids) parts.push(index.ivf.centroids);
  if (index?.quantizer?.codebook) parts.push(index.quantizer.codebook);
  return parts.length ? sha256Of(...parts) : undefined;
}
