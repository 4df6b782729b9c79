import { InputError } from '../../errors.js';
import type { StorageType } from '../source.js';
import type { LocalFile } from '../files/local-file.js';

/**
 * The layout `index_dense_gt::save_to_stream` (usearch's index_dense.hpp) writes:
 *   [rows, bytes per row] as 2 × u32 (or 2 × u64), the vectors of every slot, then a 64-byte head
 *   ("usearch", version 3 × u16, metric, scalar, key and slot kinds as u8, present, deleted and
 *   dimensions as u64, multi as u8), then the graph: a 40-byte header (size, connectivity,
 *   connectivity_base, max_level, entry_slot as u64), one i16 level per node, and the node tapes
 *   (key, level, then per level a u32 neighbour count and a fixed number of neighbour slots).
 * All integers little-endian; the head's fields are unaligned.
 */
export const HEAD_BYTES = 64;
const MAGIC = 'usearch';
const GRAPH_HEADER_BYTES = 40;
const SUPPORTED_MAJOR = 2;
/** usearch draws levels like HNSW: far below this even for 2^40 nodes; larger means corruption. */
const MAX_LEVEL = 64;
/** Bounds on connectivity usearch accepts when building; outside them the bytes are not a usearch graph. */
const MAX_CONNECTIVITY = 1 << 16;
const MAX_DIM = 1 << 20;

export interface ScalarKind {
  readonly name: string;
  readonly storage: StorageType;
  /** Bytes per component; 0 for bit-packed kinds. */
  readonly bytes: number;
  /** Decoded value = stored value × scale (usearch maps unit vectors onto ±127 / 0..255). */
  readonly scale: number;
  /** int8/uint8 are written from the unit-normalized vector whatever the metric. */
  readonly normalizes: boolean;
}

/** usearch ≥ 2.10 scalar_kind_t codes for the kinds vectorclinic decodes. */
const SCALARS: Readonly<Record<number, ScalarKind>> = {
  10: { name: 'f64', storage: 'float64', bytes: 8, scale: 1, normalizes: false },
  11: { name: 'f32', storage: 'float32', bytes: 4, scale: 1, normalizes: false },
  12: { name: 'f16', storage: 'float16', bytes: 2, scale: 1, normalizes: false },
  4: { name: 'bf16', storage: 'bfloat16', bytes: 2, scale: 1, normalizes: false },
  23: { name: 'i8', storage: 'int8', bytes: 1, scale: 1 / 127, normalizes: true },
  17: { name: 'u8', storage: 'uint8', bytes: 1, scale: 1 / 255, normalizes: true },
};
const SCALAR_NAMES: Readonly<Record<number, string>> = { 1: 'b1x8', 5: 'e5m2', 6: 'e4m3', 7: 'e2m3', 8: 'e3m2', 14: 'u64', 15: 'u32', 16: 'u16', 20: 'i64', 21: 'i32', 22: 'i16' };
/** Integer kinds usearch uses for keys and compressed slots, with their widths in bytes. */
const INTEGER_WIDTHS: Readonly<Record<number, number>> = { 14: 8, 15: 4, 2: 5 };
/** Pre-2.10 files numbered scalar kinds from 0 without gaps (usearch's convert_pre_2_10_scalar_kind). */
const PRE_2_10: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 10, 5: 11, 6: 12, 7: 5, 8: 14, 9: 15, 10: 17, 11: 20, 12: 21, 13: 22, 14: 23 };
const METRICS: Readonly<Record<number, string>> = { 0x69: 'ip', 0x63: 'cos', 0x65: 'l2sq', 0x70: 'pearson', 0x68: 'haversine', 0x64: 'divergence', 0x62: 'hamming', 0x74: 'tanimoto', 0x73: 'sorensen', 0x6a: 'jaccard' };

export interface UsearchLayout {
  readonly version: string;
  /** usearch's metric name: 'cos', 'ip', 'l2sq', ... */
  readonly metric: string;
  readonly scalar: ScalarKind;
  readonly keyBytes: number;
  readonly slotBytes: number;
  /** Slots in the file (present + deleted), each with a vector and a graph node. */
  readonly slots: number;
  readonly present: number;
  readonly deleted: number;
  readonly dim: number;
  readonly multi: boolean;
  readonly vectorsOffset: number;
  readonly rowBytes: number;
  readonly connectivity: number;
  readonly connectivityBase: number;
  readonly maxLevel: number;
  readonly entrySlot: number;
  /** Offset of the i16 level of each node, then of the first node tape. */
  readonly levelsOffset: number;
  readonly nodesOffset: number;
}

export function looksLikeUsearch(head: Uint8Array): boolean {
  return new TextDecoder('latin1').decode(head.subarray(0, MAGIC.length)) === MAGIC;
}

export function readUsearchLayout(file: LocalFile): UsearchLayout {
  const fail = (what: string, byteOffset: number, hint = 'the file is not a usearch index or it is corrupt; re-save it with index.save()'): never => {
    throw new InputError(what, { where: file.path, byteOffset, hint });
  };
  if (file.size < HEAD_BYTES) fail(`too short for a usearch index (${file.size} bytes)`, 0);
  const start = file.read(0, Math.min(16, file.size), 'the usearch matrix header');
  if (looksLikeUsearch(start)) {
    fail('this usearch file was saved without its vectors (it starts with the index head)', 0, 'vectorclinic needs the vectors: save with vectors included, or point it at the file that holds them');
  }
  const view = new DataView(start.buffer);
  const candidates: { rows: number; rowBytes: number; vectorsOffset: number }[] = [];
  candidates.push({ rows: view.getUint32(0, true), rowBytes: view.getUint32(4, true), vectorsOffset: 8 });
  const rows64 = view.getBigUint64(0, true);
  const cols64 = view.getBigUint64(8, true);
  if (rows64 <= BigInt(Number.MAX_SAFE_INTEGER) && cols64 <= BigInt(Number.MAX_SAFE_INTEGER)) {
    candidates.push({ rows: Number(rows64), rowBytes: Number(cols64), vectorsOffset: 16 });
  }
  const found = candidates.find((candidate) => {
    const headOffset = candidate.vectorsOffset + candidate.rows * candidate.rowBytes;
    if (!Number.isSafeInteger(headOffset) || headOffset + HEAD_BYTES > file.size) return false;
    return looksLikeUsearch(file.read(headOffset, MAGIC.length, 'the usearch head'));
  });
  if (!found) {
    const first = candidates[0]!;
    return fail(
      `no usearch head after the ${first.rows} × ${first.rowBytes}-byte vector matrix the file starts with (expected "usearch" at byte ${first.vectorsOffset + first.rows * first.rowBytes})`,
      0,
      'the file is truncated, not a usearch index, or saved by an incompatible version; re-save it',
    );
  }
  const headOffset = found.vectorsOffset + found.rows * found.rowBytes;
  const headView = new DataView(file.read(headOffset, HEAD_BYTES, 'the usearch head').buffer);
  const major = headView.getUint16(7, true);
  const minor = headView.getUint16(9, true);
  const patch = headView.getUint16(11, true);
  if (major !== SUPPORTED_MAJOR) fail(`usearch format version ${major}.${minor}.${patch} is not supported (only 2.x)`, headOffset + 7);
  const kind = (offset: number): number => {
    const raw = headView.getUint8(offset);
    return minor < 10 ? (PRE_2_10[raw] ?? raw) : raw;
  };
  const metricCode = headView.getUint8(13);
  const metric = METRICS[metricCode] ?? fail(`unknown usearch metric code ${metricCode}`, headOffset + 13);
  const scalarCode = kind(14);
  const scalar = SCALARS[scalarCode] ?? fail(`usearch scalar kind ${SCALAR_NAMES[scalarCode] ?? scalarCode} is not supported`, headOffset + 14, 'vectorclinic decodes f64, f32, f16, bf16, i8 and u8 indexes');
  const keyBytes = INTEGER_WIDTHS[kind(15)] ?? fail(`unsupported usearch key kind ${kind(15)}`, headOffset + 15);
  const slotBytes = INTEGER_WIDTHS[kind(16)] ?? fail(`unsupported usearch slot kind ${kind(16)}`, headOffset + 16);
  const safe = (offset: number, name: string): number => {
    const value = headView.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`usearch head field ${name} = ${value} is implausible`, headOffset + offset);
    return Number(value);
  };
  const present = safe(17, 'count_present');
  const deleted = safe(25, 'count_deleted');
  const dim = safe(33, 'dimensions');
  const multi = headView.getUint8(41) !== 0;
  if (dim < 1 || dim > MAX_DIM) fail(`usearch head says ${dim} dimensions`, headOffset + 33);
  if (found.rowBytes !== dim * scalar.bytes) fail(`rows are ${found.rowBytes} bytes but ${dim} ${scalar.name} components take ${dim * scalar.bytes}`, 4);
  if (present + deleted !== found.rows) fail(`head counts ${present} present + ${deleted} deleted vectors, the matrix holds ${found.rows}`, headOffset + 17);

  const graphOffset = headOffset + HEAD_BYTES;
  if (graphOffset + GRAPH_HEADER_BYTES > file.size) fail('file ends before the graph header', file.size);
  const graph = new DataView(file.read(graphOffset, GRAPH_HEADER_BYTES, 'the usearch graph header').buffer);
  const graphSize = graph.getBigUint64(0, true);
  if (graphSize !== BigInt(found.rows)) fail(`graph holds ${graphSize} nodes, the matrix ${found.rows} vectors`, graphOffset);
  const connectivity = Number(graph.getBigUint64(8, true) & 0xffffffffn);
  const connectivityBase = Number(graph.getBigUint64(16, true) & 0xffffffffn);
  if (graph.getBigUint64(8, true) > BigInt(MAX_CONNECTIVITY) || graph.getBigUint64(16, true) > BigInt(MAX_CONNECTIVITY) || (found.rows > 0 && (connectivity < 2 || connectivityBase < connectivity))) {
    fail(`implausible graph connectivity ${graph.getBigUint64(8, true)} / base ${graph.getBigUint64(16, true)}`, graphOffset + 8);
  }
  // max_level is an i16 widened to u64: -1 (empty graph) arrives as 2^64 - 1.
  const maxLevel = Number(graph.getBigInt64(24, true));
  if (maxLevel < -1 || maxLevel > MAX_LEVEL) fail(`graph max level ${maxLevel}`, graphOffset + 24);
  const entrySlot = graph.getBigUint64(32, true);
  if (found.rows > 0 && entrySlot >= BigInt(found.rows)) fail(`graph entry slot ${entrySlot} is not one of the ${found.rows} nodes`, graphOffset + 32);
  const levelsOffset = graphOffset + GRAPH_HEADER_BYTES;
  const nodesOffset = levelsOffset + 2 * found.rows;
  if (nodesOffset > file.size) fail(`file ends inside the node levels (${found.rows} nodes need ${2 * found.rows} bytes)`, file.size);
  return {
    version: `${major}.${minor}.${patch}`,
    metric,
    scalar,
    keyBytes,
    slotBytes,
    slots: found.rows,
    present,
    deleted,
    dim,
    multi,
    vectorsOffset: found.vectorsOffset,
    rowBytes: found.rowBytes,
    connectivity,
    connectivityBase,
    maxLevel,
    entrySlot: Number(entrySlot),
    levelsOffset,
    nodesOffset,
  };
}

/** Bytes of a node tape on `level`: key, level, base neighbour list, one list per upper level. */
export function nodeBytes(layout: UsearchLayout, level: number): number {
  return layout.keyBytes + 2 + (4 + layout.connectivityBase * layout.slotBytes) + level * (4 + layout.connectivity * layout.slotBytes);
}
