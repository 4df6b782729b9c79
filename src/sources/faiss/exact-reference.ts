import type { ExactReference } from '../../gather/ann-audit.js';
import type { SourceDescription, VectorSource } from '../source.js';
import { FaissSource } from './faiss-source.js';

/**
 * For FAISS sources: exact answers over the index's own stored vectors, so the ANN audit can
 * measure IVF/HNSW search without a --vectors file. Undefined for every other source.
 */
export function indexVectorsReference(source: VectorSource): ((description: SourceDescription) => Promise<ExactReference | undefined>) | undefined {
  return source instanceof FaissSource ? () => source.ownVectorsReference() : undefined;
}
