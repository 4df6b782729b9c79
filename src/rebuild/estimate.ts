import type { IndexParams } from './params.js';

/**
 * Rough per-unit costs measured on the shared 2-core development machine (20k × 128 builds;
 * timings there vary by ±50% with load). They order-of-magnitude the plan, nothing more.
 */
/** hnswlib/usearch HNSW insert: seconds per (row × efConstruction × log2 rows × dim). 20k×128, M 32, efC 200: ~7 s. */
const HNSW_NPM_SECONDS = 1e-9;
/** FAISS HNSW (single thread, reference BLAS): ~54 s for the same build. */
const HNSW_FAISS_SECONDS = 7.4e-9;
/** FAISS k-means and PQ training with Debian's reference BLAS: ~1 GFLOP/s effective. */
const FAISS_FLOPS = 1e9;
/** k-means iterations FAISS runs by default. */
const KMEANS_ITERATIONS = 25;
/** Guard scan (reference JS kernels) and file writes. */
const SCAN_BYTES_PER_SECOND = 5e8;
/** Plain JS loops for whitening (d² per row) and near-duplicate candidate search. */
const JS_FLOPS = 1e9;
const DEDUP_EF = 64;

export interface Estimate {
  readonly seconds: number;
  readonly peakMemoryBytes: number;
  readonly indexBytes: number;
}

export function estimateRebuild(rows: number, dim: number, engine: string, params: IndexParams, options: { dedup: boolean; whiten: boolean }): Estimate {
  const matrixBytes = rows * dim * 4;
  const log = Math.log2(Math.max(2, rows));
  let seconds = (2 * matrixBytes) / SCAN_BYTES_PER_SECOND;
  if (options.dedup) seconds += rows * DEDUP_EF * log * dim * HNSW_NPM_SECONDS;
  if (options.whiten) seconds += (rows * dim * dim) / JS_FLOPS;
  let indexBytes = matrixBytes;
  if (params.type === 'hnsw') {
    const perUnit = engine === 'faiss' ? HNSW_FAISS_SECONDS : HNSW_NPM_SECONDS;
    seconds += rows * params.hnsw.efConstruction * log * dim * perUnit;
    // Level-0 links dominate: 2·M neighbour ids of 4 bytes per row.
    indexBytes += rows * params.hnsw.M * 2 * 4;
  } else if (params.type === 'ivfpq') {
    const { nlist, m, nbits, trainingRows } = params.ivfpq;
    const ksub = 2 ** nbits;
    const flops = 2 * KMEANS_ITERATIONS * trainingRows * (nlist * dim + ksub * dim) + 2 * rows * nlist * dim;
    seconds += flops / FAISS_FLOPS;
    indexBytes = rows * ((m * nbits) / 8 + 8) + nlist * dim * 4 + m * ksub * (dim / m) * 4;
  } else if (params.type === 'ivfflat') {
    // k-means over a sample (pgvector samples 50 rows per list), then one assignment pass.
    const { lists } = params.ivfflat;
    seconds += (2 * KMEANS_ITERATIONS * Math.min(rows, lists * 50) * lists * dim + 2 * rows * lists * dim) / FAISS_FLOPS;
    indexBytes = matrixBytes + lists * dim * 4;
  }
  // Accepted rows, a unit copy for deduplication, and the engine's own copy.
  const peakMemoryBytes = matrixBytes * (options.dedup ? 3 : 2) + indexBytes;
  return { seconds, peakMemoryBytes, indexBytes };
}
