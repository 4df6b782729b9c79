import type { LocalFile } from '../files/local-file.js';
import { FileCursor } from './file-cursor.js';
import { printableFourcc, SUPPORTED_INDEX_FOURCCS, UNSUPPORTED_INDEX_FOURCCS } from './fourcc.js';
import type { FlatNode, HnswNode, IdMapNode, IndexHeader, IndexNode, InvertedListsLayout, IvfEncoding, IvfNode, PqNode, PreTransformNode, ProductQuantizer, ScalarQuantizer, SqNode } from './index-tree.js';
import { SQ_TYPES } from './scalar-quantizer.js';
import { MAX_DIM, MAX_NESTING } from './limits.js';
import { readTransform } from './parse-transform.js';

/** FAISS accepts nbits 1..24 for a product quantizer. */
const MAX_PQ_NBITS = 24;
/**
 * An untrained IVF has no centroids to bound nlist by; its constructor argument is all we have.
 * Billion-scale indexes use up to 2^20–2^22 lists, but those are trained; 2^20 lists cost 24 MB here.
 */
const MAX_UNTRAINED_NLIST = 1 << 20;
/** HNSW draws levels with probability decaying as M^-l: no real graph has more than ~30 levels. */
const MAX_HNSW_LEVELS = 256;
/** A transform chain longer than this is not something FAISS's factory builds. */
const MAX_TRANSFORMS = 16;
/** Metric codes FAISS defines (MetricType): IP, L2, L1, Linf, Lp, then Canberra..NaNEuclidean and more from 20. */
const KNOWN_METRICS = new Set([0, 1, 2, 3, 4, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);

export interface ParsedIndex {
  readonly root: IndexNode;
  /** Bytes after the top-level index (ignored, reported as a note). */
  readonly trailingBytes: number;
}

/**
 * Parse a `faiss.write_index` file's structure, recording where its large arrays are. Written by
 * hand after faiss/impl/index_read.cpp: FAISS has no reader outside C++/Python, and faiss-node
 * (see DEPENDENCIES.md) needs a native build and exposes no lists, codes or graph links.
 */
export function parseFaissIndex(file: LocalFile): ParsedIndex {
  const cursor = new FileCursor(file);
  const root = readIndex(cursor, 0, 'the index');
  return { root, trailingBytes: cursor.remaining };
}

function readIndex(cursor: FileCursor, depth: number, role: string): IndexNode {
  const offset = cursor.position;
  if (depth >= MAX_NESTING) cursor.fail(`${role} is nested ${depth} levels deep: the file is corrupt (real indexes nest a few levels)`);
  const fourcc = cursor.fourcc(`the type code of ${role}`);
  const className = SUPPORTED_INDEX_FOURCCS[fourcc];
  if (!className) {
    if (fourcc === 'null') cursor.fail(`${role} is missing (written as 'null', e.g. with IO_FLAG_SKIP_STORAGE): the file holds no vectors to check`, offset, 'write the index again without IO_FLAG_SKIP_STORAGE');
    const known = UNSUPPORTED_INDEX_FOURCCS[fourcc];
    if (known) {
      cursor.fail(`${role} is of type ${known} (fourcc '${fourcc}'), which vectorclinic does not read yet`, offset, 'supported: Flat, PQ, SQ, IVFFlat, IVFPQ, IVFSQ, HNSW (Flat/PQ/SQ), IDMap/IDMap2, PreTransform');
    }
    cursor.fail(`unknown FAISS type code '${printableFourcc(fourcc)}' for ${role}`, offset, 'the file is corrupt, or not written by faiss.write_index');
  }
  switch (fourcc) {
    case 'IxFI':
    case 'IxF2':
    case 'IxFl':
      return readFlat(cursor, fourcc, offset, className);
    case 'IxPq':
    case 'IxPo':
    case 'IxPQ':
      return readPq(cursor, fourcc, offset, className);
    case 'IxSQ':
      return readSq(cursor, fourcc, offset, className);
    case 'IwFl':
    case 'IwPQ':
    case 'IwSq':
    case 'IwSQ':
      return readIvf(cursor, fourcc, offset, className, depth);
    case 'IHNf':
    case 'IHNp':
    case 'IHNs':
    case 'IH00':
      return readHnsw(cursor, fourcc, offset, className, depth);
    case 'IxMp':
    case 'IxM2':
      return readIdMap(cursor, fourcc, offset, className, depth);
    default:
      return readPreTransform(cursor, fourcc, offset, className, depth);
  }
}

function readHeader(cursor: FileCursor, fourcc: string, offset: number): IndexHeader {
  const dAt = cursor.position;
  const d = cursor.i32('the dimension d');
  if (d < 1 || d > MAX_DIM) cursor.fail(`index dimension d is ${d}, outside 1..${MAX_DIM}`, dAt);
  const ntotal = cursor.size('ntotal (the number of vectors)');
  cursor.i64('a reserved header field');
  cursor.i64('a reserved header field');
  const isTrained = cursor.bool('is_trained');
  const metricAt = cursor.position;
  const metricType = cursor.i32('metric_type');
  if (!KNOWN_METRICS.has(metricType)) cursor.fail(`metric_type ${metricType} is not a FAISS metric`, metricAt);
  const metricArg = metricType > 1 ? cursor.f32('metric_arg') : undefined;
  return { fourcc, offset, d, ntotal, isTrained, metricType, ...(metricArg !== undefined ? { metricArg } : {}) };
}

function readFlat(cursor: FileCursor, fourcc: string, offset: number, className: string): FlatNode {
  const header = readHeader(cursor, fourcc, offset);
  // IndexFlat stores its codes as float32 values (WRITEXBVECTOR: the count is in floats).
  const vectors = cursor.skipVector(`the vectors of ${className}`, 4, header.ntotal * header.d);
  return { kind: 'flat', header, className, vectorsOffset: vectors.offset };
}

function readProductQuantizer(cursor: FileCursor, d: number, owner: string): ProductQuantizer {
  const dAt = cursor.position;
  const pqD = cursor.size(`${owner} PQ dimension`, 0, MAX_DIM);
  if (pqD !== d) cursor.fail(`${owner} PQ dimension ${pqD} differs from the index dimension ${d}`, dAt);
  const mAt = cursor.position;
  const m = cursor.size(`${owner} PQ sub-quantizer count M`, 1, d);
  if (d % m !== 0) cursor.fail(`${owner} PQ M=${m} does not divide d=${d}`, mAt);
  const nbits = cursor.size(`${owner} PQ nbits`, 1, MAX_PQ_NBITS);
  const ksub = 2 ** nbits;
  const centroids = cursor.floatVector(`${owner} PQ centroids`, d * ksub);
  return { d, m, nbits, ksub, dsub: d / m, codeSize: Math.ceil((m * nbits) / 8), centroids };
}

function readPq(cursor: FileCursor, fourcc: string, offset: number, className: string): PqNode {
  const parsed = readHeader(cursor, fourcc, offset);
  // Old IndexPQ files (IxPQ, IxPo) always claimed inner product while computing L2 (index_read.cpp).
  const header = fourcc === 'IxPq' ? parsed : { ...parsed, metricType: 1 };
  const pq = readProductQuantizer(cursor, header.d, className);
  const codes = cursor.skipVector(`the codes of ${className}`, 1, header.ntotal * pq.codeSize);
  if (fourcc !== 'IxPQ') {
    cursor.i32('search_type');
    cursor.bool('encode_signs');
    cursor.i32('polysemous_ht');
  }
  return { kind: 'pq', header, className, pq, codesOffset: codes.offset };
}

function readScalarQuantizer(cursor: FileCursor, d: number, owner: string): ScalarQuantizer {
  const typeAt = cursor.position;
  const type = cursor.i32(`${owner} quantizer type`);
  const spec = SQ_TYPES[type];
  if (!spec) cursor.fail(`${owner} quantizer type ${type} is unknown or not read by vectorclinic (supported: ${SQ_TYPES.map((t) => t.name).join(', ')})`, typeAt);
  const rangeStat = cursor.i32(`${owner} rangestat`);
  const rangeStatArg = cursor.f32(`${owner} rangestat_arg`);
  const dAt = cursor.position;
  const sqD = cursor.size(`${owner} dimension`, 0, MAX_DIM);
  if (sqD !== d) cursor.fail(`${owner} dimension ${sqD} differs from the index dimension ${d}`, dAt);
  const sizeAt = cursor.position;
  const codeSize = cursor.size(`${owner} code_size`, 0, 8 * MAX_DIM);
  if (codeSize !== spec.codeSize(d)) cursor.fail(`${owner} code_size ${codeSize} does not match ${spec.name} over ${d} dimensions (${spec.codeSize(d)})`, sizeAt);
  const trainedAt = cursor.position;
  const trained = cursor.floatVector(`${owner} trained range`);
  if (trained.length !== 0 && trained.length !== spec.trainedLength(d)) {
    cursor.fail(`${owner} trained range has ${trained.length} values, ${spec.name} needs ${spec.trainedLength(d)}`, trainedAt);
  }
  return { type, typeName: spec.name, bits: spec.bits, rangeStat, rangeStatArg, d, codeSize, trained };
}

function readSq(cursor: FileCursor, fourcc: string, offset: number, className: string): SqNode {
  const header = readHeader(cursor, fourcc, offset);
  const sq = readScalarQuantizer(cursor, header.d, className);
  if (header.isTrained && sq.trained.length !== SQ_TYPES[sq.type]!.trainedLength(header.d)) {
    cursor.fail(`${className} is marked trained but has no trained range`, offset);
  }
  const codes = cursor.skipVector(`the codes of ${className}`, 1, header.ntotal * sq.codeSize);
  return { kind: 'sq', header, className, sq, codesOffset: codes.offset };
}

function readIvf(cursor: FileCursor, fourcc: string, offset: number, className: string, depth: number): IvfNode {
  const header = readHeader(cursor, fourcc, offset);
  const nlistAt = cursor.position;
  const nlist = cursor.size('nlist');
  const nprobe = cursor.size('nprobe');
  const quantizer = readIndex(cursor, depth + 1, 'the coarse quantizer');
  if (quantizer.header.d !== header.d) cursor.fail(`the coarse quantizer has dimension ${quantizer.header.d}, the IVF index ${header.d}`, quantizer.header.offset);
  if (header.isTrained && quantizer.header.ntotal !== nlist) {
    cursor.fail(`the trained IVF index declares ${nlist} lists but its coarse quantizer holds ${quantizer.header.ntotal} centroids`, nlistAt);
  }
  if (!header.isTrained && nlist > Math.max(MAX_UNTRAINED_NLIST, quantizer.header.ntotal)) cursor.fail(`nlist ${nlist} is implausible for an untrained index`, nlistAt);
  readDirectMap(cursor);
  let encoding: IvfEncoding;
  let codeSize: number;
  if (fourcc === 'IwFl') {
    encoding = { kind: 'flat' };
    codeSize = header.d * 4;
  } else if (fourcc === 'IwPQ') {
    const byResidual = cursor.bool('by_residual');
    const sizeAt = cursor.position;
    codeSize = cursor.size('code_size', 0, 8 * MAX_DIM);
    const pq = readProductQuantizer(cursor, header.d, className);
    if (codeSize !== pq.codeSize) cursor.fail(`code_size ${codeSize} does not match PQ${pq.m}x${pq.nbits} (${pq.codeSize} bytes)`, sizeAt);
    encoding = { kind: 'pq', pq, byResidual };
  } else {
    const sq = readScalarQuantizer(cursor, header.d, className);
    const sizeAt = cursor.position;
    codeSize = cursor.size('code_size', 0, 8 * MAX_DIM);
    if (codeSize !== sq.codeSize) cursor.fail(`code_size ${codeSize} differs from the scalar quantizer's ${sq.codeSize}`, sizeAt);
    // 'IwSQ' predates the by_residual field: those indexes always encoded residuals.
    const byResidual = fourcc === 'IwSq' ? cursor.bool('by_residual') : true;
    encoding = { kind: 'sq', sq, byResidual };
  }
  const lists = readInvertedLists(cursor, nlist, codeSize);
  if (lists.total !== header.ntotal) {
    cursor.fail(`the inverted lists hold ${lists.total} vectors but the header says ntotal = ${header.ntotal}`, lists.offset);
  }
  return { kind: 'ivf', header, className, nlist, nprobe, quantizer, encoding, codeSize, lists };
}

/** DirectMap: type byte (0 none, 1 array, 2 hashtable), int64 array, then (hashtable) int64 pairs. */
function readDirectMap(cursor: FileCursor): void {
  const typeAt = cursor.position;
  const type = cursor.u8('the direct map type');
  if (type > 2) cursor.fail(`direct map type ${type} is not 0, 1 or 2`, typeAt);
  cursor.skipVector('the direct map', 8);
  if (type === 2) cursor.skipVector('the direct map hashtable', 16);
}

function readInvertedLists(cursor: FileCursor, nlist: number, codeSize: number): InvertedListsLayout {
  const offset = cursor.position;
  const fourcc = cursor.fourcc('the inverted lists type code');
  if (fourcc === 'il00') {
    cursor.fail('the inverted lists were not stored with the index (il00): the vectors are elsewhere', offset, 'write the index with its lists (not with on-disk or null inverted lists)');
  }
  if (fourcc !== 'ilar') {
    cursor.fail(
      `inverted lists of type '${printableFourcc(fourcc)}' (on-disk or custom) are not read by vectorclinic`,
      offset,
      'convert them to in-memory lists (faiss.extract_index_ivf(index).replace_invlists) and write the index again',
    );
  }
  const nlistAt = cursor.position;
  const listCount = cursor.size('the inverted list count');
  if (listCount !== nlist) cursor.fail(`the inverted lists declare ${listCount} lists, the index ${nlist}`, nlistAt);
  const sizeAt = cursor.position;
  const listCodeSize = cursor.size('the inverted lists code_size');
  if (listCodeSize !== codeSize) cursor.fail(`the inverted lists store ${listCodeSize}-byte codes, the index ${codeSize}-byte codes`, sizeAt);
  const typeAt = cursor.position;
  const listType = cursor.fourcc('the inverted list size format');
  let sizes: Float64Array;
  if (listType === 'full') {
    sizes = cursor.sizeVector('the inverted list sizes', Number.MAX_SAFE_INTEGER, nlist);
  } else if (listType === 'sprs') {
    const pairsAt = cursor.position;
    const pairs = cursor.sizeVector('the sparse inverted list sizes');
    if (pairs.length % 2 !== 0) cursor.fail(`the sparse list sizes hold ${pairs.length} values, not (list, size) pairs`, pairsAt);
    sizes = new Float64Array(nlist);
    for (let i = 0; i < pairs.length; i += 2) {
      const list = pairs[i] as number;
      if (list >= nlist) cursor.fail(`the sparse list sizes name list ${list} of ${nlist}`, pairsAt + 8 + i * 8);
      sizes[list] = pairs[i + 1] as number;
    }
  } else {
    cursor.fail(`inverted list size format '${printableFourcc(listType)}' is neither 'full' nor 'sprs'`, typeAt);
  }
  const codesOffsets = new Float64Array(nlist);
  const idsOffsets = new Float64Array(nlist);
  let position = cursor.position;
  let total = 0;
  for (let list = 0; list < nlist; list++) {
    const size = sizes[list] as number;
    if (size === 0) continue;
    const bytes = size * (codeSize + 8);
    if (!Number.isSafeInteger(bytes) || position + bytes > cursor.file.size) {
      cursor.fail(`inverted list ${list} holds ${size} vectors (${bytes} bytes) but only ${Math.max(0, cursor.file.size - position)} bytes remain`, position);
    }
    codesOffsets[list] = position;
    idsOffsets[list] = position + size * codeSize;
    position += bytes;
    total += size;
  }
  cursor.position = position;
  return { offset, nlist, codeSize, sizes, codesOffsets, idsOffsets, total };
}

function readHnsw(cursor: FileCursor, fourcc: string, offset: number, className: string, depth: number): HnswNode {
  const header = readHeader(cursor, fourcc, offset);
  const { ntotal } = header;
  cursor.skipVector('the HNSW level probabilities', 8);
  const cumAt = cursor.position;
  const cumNeighbors = cursor.intVector('the HNSW neighbours-per-level table');
  if (cumNeighbors.length === 0 || cumNeighbors.length > MAX_HNSW_LEVELS + 1) cursor.fail(`the HNSW neighbours-per-level table has ${cumNeighbors.length} entries`, cumAt);
  if (cumNeighbors[0] !== 0) cursor.fail(`the HNSW neighbours-per-level table starts at ${cumNeighbors[0]}, not 0`, cumAt + 8);
  for (let level = 1; level < cumNeighbors.length; level++) {
    if ((cumNeighbors[level] as number) < (cumNeighbors[level - 1] as number)) cursor.fail('the HNSW neighbours-per-level table decreases', cumAt + 8 + level * 4);
  }
  const levels = cursor.skipVector('the HNSW node levels', 4, ntotal);
  const offsets = cursor.skipVector('the HNSW neighbour offsets', 8, ntotal + 1);
  const neighbors = cursor.skipVector('the HNSW neighbour lists', 4);
  const entryAt = cursor.position;
  const entryPoint = cursor.i32('the HNSW entry point');
  if (entryPoint < -1 || entryPoint >= ntotal || (ntotal > 0 && entryPoint < 0)) cursor.fail(`the HNSW entry point ${entryPoint} is not a node of ${ntotal}`, entryAt);
  const levelAt = cursor.position;
  const maxLevel = cursor.i32('the HNSW max level');
  if (maxLevel < -1 || maxLevel >= cumNeighbors.length - 1) cursor.fail(`the HNSW max level ${maxLevel} is outside the ${cumNeighbors.length - 1} levels it describes`, levelAt);
  const efConstruction = cursor.i32('efConstruction');
  const efAt = cursor.position;
  const efSearch = cursor.i32('efSearch');
  if (efSearch < 1) cursor.fail(`efSearch is ${efSearch}`, efAt);
  cursor.i32('upper_beam');
  const storage = readIndex(cursor, depth + 1, 'the HNSW storage');
  if (storage.header.ntotal !== ntotal || storage.header.d !== header.d) {
    cursor.fail(`the HNSW storage holds ${storage.header.ntotal} × ${storage.header.d} vectors, the graph ${ntotal} × ${header.d}`, storage.header.offset);
  }
  return {
    kind: 'hnsw',
    header,
    className,
    graph: {
      cumNeighbors,
      levelsOffset: levels.offset,
      offsetsOffset: offsets.offset,
      neighborsOffset: neighbors.offset,
      neighborsCount: neighbors.count,
      entryPoint,
      maxLevel,
      efConstruction,
      efSearch,
    },
    storage,
  };
}

function readIdMap(cursor: FileCursor, fourcc: string, offset: number, className: string, depth: number): IdMapNode {
  const header = readHeader(cursor, fourcc, offset);
  const sub = readIndex(cursor, depth + 1, `the index inside ${className}`);
  if (sub.header.ntotal !== header.ntotal) cursor.fail(`${className} holds ${header.ntotal} ids but its index holds ${sub.header.ntotal} vectors`, sub.header.offset);
  const ids = cursor.skipVector(`the ids of ${className}`, 8, header.ntotal);
  return { kind: 'idmap', header, className, two: fourcc === 'IxM2', sub, idsOffset: ids.offset };
}

function readPreTransform(cursor: FileCursor, fourcc: string, offset: number, className: string, depth: number): PreTransformNode {
  const header = readHeader(cursor, fourcc, offset);
  const countAt = cursor.position;
  const count = cursor.i32('the transform count');
  if (count < 0 || count > MAX_TRANSFORMS) cursor.fail(`the transform chain length ${count} is outside 0..${MAX_TRANSFORMS}`, countAt);
  const chain = [];
  let d = header.d;
  for (let i = 0; i < count; i++) {
    const at = cursor.position;
    const transform = readTransform(cursor, depth + 1);
    if (transform.dIn !== d) cursor.fail(`transform ${i} (${transform.name}) takes ${transform.dIn} dimensions but receives ${d}`, at);
    d = transform.dOut;
    chain.push(transform);
  }
  const sub = readIndex(cursor, depth + 1, `the index inside ${className}`);
  if (sub.header.d !== d) cursor.fail(`the transforms output ${d} dimensions but the index inside takes ${sub.header.d}`, sub.header.offset);
  if (sub.header.ntotal !== header.ntotal) cursor.fail(`${className} declares ${header.ntotal} vectors, the index inside ${sub.header.ntotal}`, sub.header.offset);
  return { kind: 'pretransform', header, className, chain, sub };
}
