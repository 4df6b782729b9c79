/** FAISS itself refuses dimensions above 2^20 (read_index_header, VectorTransform). */
export const MAX_DIM = 1 << 20;
/** Real indexes nest at most ~5 deep (IDMap → PreTransform → IVF → HNSW quantizer → storage); FAISS allows 50. */
export const MAX_NESTING = 16;
