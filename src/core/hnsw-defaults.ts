/**
 * Graph degree and build beam that keep HNSW recall@10 above 0.95 on typical embeddings (hnswlib's own advice
 * for high recall). One home for the rebuild that writes them and the recall check that recommends them.
 */
export const HNSW_M = 32;
export const HNSW_EF_CONSTRUCTION = 200;
