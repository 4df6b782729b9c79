import { endianness } from 'node:os';
import { InputError } from '../../errors.js';
import { decodeElements, type DecodeSpan } from '../../io/decode.js';
import type { LocalFile } from '../files/local-file.js';
import { normToleranceFor } from '../files/norm-tolerance.js';
import type { StorageType } from '../source.js';
import type { FlatNode, HnswNode, IdMapNode, IndexNode, IvfNode, PqNode, SqNode, VectorTransform } from './index-tree.js';
import { decodeProductCodes } from './product-quantizer.js';
import { decodeScalarCodes, isRangeCoded, maxDecodeError } from './scalar-quantizer.js';

/** Coarse centroids are kept in memory for residual decoding and search up to this many floats (256 MB). */
export const MAX_CENTROID_FLOATS = 1 << 26;
/**
 * Decoded PQ vectors are shorter than the originals: each centroid is the mean of its cell, so
 * ‖x̂‖² ≈ ‖x‖² − ‖x − x̂‖². FAISS PQ at practical code sizes loses 2–17% of a vector's energy
 * (measured on 128-d text embeddings, PQ8–PQ32, with and without residuals) and up to ~35% in the
 * far tail, so unit vectors decode to norms of about 0.8–1.05: this is the window that still means "unit".
 */
const PQ_NORM_TOLERANCE = 0.2;

const FLOAT32 = { storage: 'float32', bytes: 4, littleEndian: true } as const;

/** Which rows of a segment to read, and where their decoded floats go. */
export interface SegmentRead {
  readonly segment: number;
  /** First row to read, counted from the segment's start. */
  readonly first: number;
  readonly count: number;
  readonly out: Float32Array;
  readonly outOffset?: number;
  /** A reused staging buffer for the raw bytes, taken when big enough. */
  readonly scratch?: Uint8Array;
}

/** How one stored row turns into `dim` float32 values. */
export interface RowCodec {
  readonly codeSize: number;
  readonly storage: StorageType;
  readonly lossy: boolean;
  readonly normTolerance: number;
  /** Codes are the float32 values themselves (flat storage): reads can land in the output directly. */
  readonly rawFloat32?: boolean;
  /** Decode `rows.count` rows of codes; `list` is the IVF list (−1 outside IVF). */
  decode(rows: DecodeSpan, list: number): void;
}

/**
 * Where every row is: runs of rows stored back to back (one run for flat/PQ/SQ storage, one per
 * non-empty inverted list for IVF, in list order). Row `start[s] + i` is at `offset[s] + i·codeSize`.
 */
export interface RowLayout {
  readonly rows: number;
  readonly dim: number;
  readonly codec: RowCodec;
  readonly segmentStart: Float64Array;
  readonly segmentOffset: Float64Array;
  readonly segmentList: Int32Array;
}

/** The index seen through its wrappers: the node holding the vectors and what wraps it. */
export interface ResolvedIndex {
  readonly root: IndexNode;
  /** The node whose codes are the rows: flat, PQ, SQ or IVF. */
  readonly leaf: FlatNode | PqNode | SqNode | IvfNode;
  /** Transforms applied before storage, in order (all PreTransforms on the way down). */
  readonly chain: readonly VectorTransform[];
  /** ID maps from the innermost out. */
  readonly idMaps: readonly IdMapNode[];
  readonly hnsw?: HnswNode;
  readonly ivf?: IvfNode;
}

export function resolveIndex(root: IndexNode): ResolvedIndex {
  const chain: VectorTransform[] = [];
  const idMaps: IdMapNode[] = [];
  let hnsw: HnswNode | undefined;
  let node = root;
  for (;;) {
    if (node.kind === 'idmap') {
      idMaps.unshift(node);
      node = node.sub;
    } else if (node.kind === 'pretransform') {
      chain.push(...node.chain);
      node = node.sub;
    } else if (node.kind === 'hnsw') {
      hnsw ??= node;
      node = node.storage;
    } else break;
  }
  return { root, leaf: node, chain, idMaps, ...(hnsw ? { hnsw } : {}), ...(node.kind === 'ivf' ? { ivf: node } : {}) };
}

/** Build the row layout of a resolved index (IVF residual codecs need the coarse centroids). */
export function rowLayout(resolved: ResolvedIndex, centroids: Float32Array | undefined, path: string): RowLayout {
  const leaf = resolved.leaf;
  const dim = leaf.header.d;
  if (leaf.kind !== 'ivf') {
    const codec = leaf.kind === 'flat' ? floatCodec(dim) : leaf.kind === 'pq' ? pqCodec(leaf.pq) : sqCodec(leaf.sq, undefined);
    const offset = leaf.kind === 'flat' ? leaf.vectorsOffset : leaf.codesOffset;
    return {
      rows: leaf.header.ntotal,
      dim,
      codec,
      segmentStart: Float64Array.of(0),
      segmentOffset: Float64Array.of(offset),
      segmentList: Int32Array.of(-1),
    };
  }
  const encoding = leaf.encoding;
  const residual = encoding.kind !== 'flat' && encoding.byResidual;
  if (residual && !centroids && leaf.lists.total > 0) {
    throw new InputError(`the ${leaf.nlist} coarse centroids (${leaf.nlist} × ${dim}) are too large to load, and this IVF index stores residuals that need them`, {
      where: path,
      byteOffset: leaf.quantizer.header.offset,
    });
  }
  const residualCentroids = residual ? centroids : undefined;
  const codec = encoding.kind === 'flat' ? floatCodec(dim) : encoding.kind === 'pq' ? pqCodec(encoding.pq, residualCentroids) : sqCodec(encoding.sq, residualCentroids);
  const { sizes, codesOffsets } = leaf.lists;
  const nonEmpty: number[] = [];
  for (let list = 0; list < leaf.nlist; list++) if ((sizes[list] as number) > 0) nonEmpty.push(list);
  const segmentStart = new Float64Array(nonEmpty.length);
  const segmentOffset = new Float64Array(nonEmpty.length);
  const segmentList = new Int32Array(nonEmpty.length);
  let start = 0;
  nonEmpty.forEach((list, s) => {
    segmentStart[s] = start;
    segmentOffset[s] = codesOffsets[list] as number;
    segmentList[s] = list;
    start += sizes[list] as number;
  });
  return { rows: start, dim, codec, segmentStart, segmentOffset, segmentList };
}

/** Index of the segment holding `row` (binary search over segment starts). */
export function segmentOf(layout: RowLayout, row: number): number {
  let low = 0;
  let high = layout.segmentStart.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((layout.segmentStart[mid] as number) <= row) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Rows in segment `s`. */
export function segmentRows(layout: RowLayout, s: number): number {
  const next = s + 1 < layout.segmentStart.length ? (layout.segmentStart[s + 1] as number) : layout.rows;
  return next - (layout.segmentStart[s] as number);
}

/**
 * Read and decode `count` consecutive rows of segment `s` starting at its `first` row. Raw bytes
 * go through `scratch` when it is big enough: sampling reads thousands of single rows, and a fresh
 * buffer per read costs more than the read itself.
 */
export function readSegmentRows(file: LocalFile, layout: RowLayout, read: SegmentRead): void {
  const { segment: s, first, count, out, outOffset = 0, scratch } = read;
  const { codec } = layout;
  const length = count * codec.codeSize;
  const offset = (layout.segmentOffset[s] as number) + first * codec.codeSize;
  if (codec.rawFloat32) {
    // The stored bytes are the floats (FAISS writes little-endian): read them straight into `out`,
    // no staging buffer and no copy.
    file.readInto(new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, length), offset, 'stored vectors');
    return;
  }
  const bytes = scratch && scratch.byteLength >= length ? scratch.subarray(0, length) : new Uint8Array(length);
  file.readInto(bytes, offset, 'stored vectors');
  codec.decode({ bytes, byteOffset: 0, count, out, outOffset }, layout.segmentList[s] as number);
}

/** Float32 values can be read in place only on a little-endian host (every platform Node ships for). */
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function floatCodec(dim: number): RowCodec {
  return {
    codeSize: dim * 4,
    rawFloat32: LITTLE_ENDIAN_HOST,
    storage: 'float32',
    lossy: false,
    normTolerance: normToleranceFor('float32', dim),
    decode: (rows) => decodeElements(FLOAT32, { ...rows, count: rows.count * dim }),
  };
}

function pqCodec(pq: PqNode['pq'], centroids?: Float32Array): RowCodec {
  return {
    codeSize: pq.codeSize,
    storage: 'pq',
    lossy: true,
    normTolerance: PQ_NORM_TOLERANCE,
    decode(rows, list) {
      decodeProductCodes(pq, rows);
      if (centroids) addCentroid(centroids.subarray(list * pq.d, (list + 1) * pq.d), rows);
    },
  };
}

function sqCodec(sq: SqNode['sq'], centroids?: Float32Array): RowCodec {
  const { d } = sq;
  const rangeCoded = isRangeCoded(sq);
  const storage: StorageType = rangeCoded ? 'sq' : sq.type === 4 ? 'float16' : sq.type === 7 ? 'bfloat16' : sq.type === 8 ? 'int8' : 'uint8';
  return {
    codeSize: sq.codeSize,
    storage,
    lossy: rangeCoded,
    normTolerance: rangeCoded ? Math.max(normToleranceFor('float32', d), maxDecodeError(sq)) : normToleranceFor(storage, d),
    decode(rows, list) {
      decodeScalarCodes(sq, rows);
      if (centroids) addCentroid(centroids.subarray(list * d, (list + 1) * d), rows);
    },
  };
}

/** Residual encodings store x − c(list): add the list's centroid back to each decoded row. */
function addCentroid(centroid: Float32Array, rows: DecodeSpan): void {
  const dim = centroid.length;
  const { count, out, outOffset } = rows;
  for (let r = 0; r < count; r++) {
    const row = outOffset + r * dim;
    for (let j = 0; j < dim; j++) out[row + j] = (out[row + j] as number) + (centroid[j] as number);
  }
}
