import { UsageError } from '../errors.js';
import { HNSW_EF_CONSTRUCTION, HNSW_M } from '../core/hnsw-defaults.js';
import type { RebuildOptions } from './types.js';

export { HNSW_EF_CONSTRUCTION, HNSW_M } from '../core/hnsw-defaults.js';

/** Search beam: at least this, and at least 2·k (searches below ~k lose recall fast). */
export const HNSW_EF_SEARCH = 128;
/** FAISS's k-means warns below 39 training points per centroid: clusters are noise below that. */
export const IVF_MIN_POINTS_PER_LIST = 39;
/** FAISS's advice: nlist ≈ 4·√N for up to ~1M vectors; beyond 4096 lists training cost dominates. */
export const IVF_MAX_LISTS = 4096;
/** 8 bits per sub-quantizer: 256 centroids each, the FAISS default (fast lookup tables). */
export const PQ_NBITS = 8;
/** Sub-vectors of 4 dimensions keep PQ's distortion low enough for recall@10 ≈ 0.8 with nprobe ≈ nlist/8. */
export const PQ_TARGET_SUBVECTOR_DIM = 4;
/** Probe one list in eight: recall then tracks the exact top-10 closely at about 1/8 of a flat scan. */
export const IVF_PROBE_FRACTION = 1 / 8;

export interface HnswParams {
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;
}

export interface IvfPqParams {
  readonly nlist: number;
  readonly nprobe: number;
  /** PQ sub-quantizers (divides dim). */
  readonly m: number;
  readonly nbits: number;
  /** Training rows (≥ 39 per list and per PQ centroid when the data has them). */
  readonly trainingRows: number;
}

export interface IvfFlatParams {
  readonly lists: number;
  readonly probes: number;
}

export type IndexParams =
  | { readonly type: 'hnsw'; readonly hnsw: HnswParams }
  | { readonly type: 'ivfpq'; readonly ivfpq: IvfPqParams }
  | { readonly type: 'ivfflat'; readonly ivfflat: IvfFlatParams }
  | { readonly type: 'flat' };

/** pgvector's advice for IVFFlat: rows / 1000 lists up to 1M rows, √rows above; probe √lists of them. */
export const IVFFLAT_ROWS_PER_LIST = 1000;
export const IVFFLAT_SQRT_ABOVE_ROWS = 1_000_000;

export function ivfFlatParams(rows: number): IvfFlatParams {
  const lists = Math.max(1, rows <= IVFFLAT_SQRT_ABOVE_ROWS ? Math.round(rows / IVFFLAT_ROWS_PER_LIST) : Math.round(Math.sqrt(rows)));
  return { lists, probes: Math.max(1, Math.round(Math.sqrt(lists))) };
}

export function hnswParams(overrides: Partial<HnswParams> = {}): HnswParams {
  return { M: overrides.M ?? HNSW_M, efConstruction: overrides.efConstruction ?? HNSW_EF_CONSTRUCTION, efSearch: overrides.efSearch ?? HNSW_EF_SEARCH };
}

/** IVF-PQ parameters scaled to `rows` × `dim`. */
export function ivfPqParams(rows: number, dim: number): IvfPqParams {
  const byRows = Math.floor(rows / IVF_MIN_POINTS_PER_LIST);
  if (byRows < 1) {
    throw new UsageError(`${rows} rows are too few for an IVF index (it needs at least ${IVF_MIN_POINTS_PER_LIST} per list)`, {
      where: '--index ivfpq',
      hint: 'use --index flat or --index hnsw for a store this small',
    });
  }
  const nlist = Math.max(1, Math.min(IVF_MAX_LISTS, Math.round(4 * Math.sqrt(rows)), byRows));
  const m = largestDivisorAtMost(dim, Math.max(1, Math.floor(dim / PQ_TARGET_SUBVECTOR_DIM)));
  const ksub = 2 ** PQ_NBITS;
  const trainingRows = Math.min(rows, Math.max(nlist, ksub) * IVF_MIN_POINTS_PER_LIST * 4);
  return { nlist, nprobe: Math.max(1, Math.min(nlist, Math.round(nlist * IVF_PROBE_FRACTION))), m, nbits: PQ_NBITS, trainingRows };
}

function largestDivisorAtMost(value: number, limit: number): number {
  for (let candidate = Math.min(limit, value); candidate > 1; candidate--) if (value % candidate === 0) return candidate;
  return 1;
}

/** Index parameters for the rows that will be indexed. */
export function indexParamsFor(options: Pick<RebuildOptions, 'index' | 'hnsw'>, rows: number, dim: number): IndexParams {
  if (options.index === 'hnsw') return { type: 'hnsw', hnsw: hnswParams(options.hnsw) };
  if (options.index === 'ivfpq') return { type: 'ivfpq', ivfpq: ivfPqParams(rows, dim) };
  if (options.index === 'ivfflat') return { type: 'ivfflat', ivfflat: ivfFlatParams(rows) };
  return { type: 'flat' };
}

export function flattenParams(params: IndexParams): Record<string, number | string | boolean> {
  if (params.type === 'hnsw') return { ...params.hnsw };
  if (params.type === 'ivfpq') return { ...params.ivfpq };
  if (params.type === 'ivfflat') return { ...params.ivfflat };
  return {};
}
