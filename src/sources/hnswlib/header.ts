import { InputError } from '../../errors.js';
import type { LocalFile } from '../files/local-file.js';

/**
 * The fixed header `HierarchicalNSW::saveIndex` writes (hnswlib's hnswalg.h), 96 bytes, all
 * little-endian: six size_t fields, maxlevel (int), the entry point (uint32), maxM, maxM0, M
 * (size_t), mult (double), ef_construction (size_t). No metric, no dimension: the dimension follows
 * from the element layout, the metric must come from the user or a sidecar file.
 */
export const HEADER_BYTES = 96;

export interface HnswlibHeader {
  /** Capacity the index was created with (`max_elements`). */
  readonly maxElements: number;
  /** Elements stored (`cur_element_count`), deleted ones included. */
  readonly count: number;
  /** Bytes of one element in the level-0 block: link list, vector, label. */
  readonly elementBytes: number;
  /** Offset of the vector inside an element. */
  readonly vectorOffset: number;
  /** Offset of the 8-byte label (external id) inside an element. */
  readonly labelOffset: number;
  readonly maxLevel: number;
  readonly entryPoint: number;
  readonly maxM: number;
  readonly maxM0: number;
  readonly M: number;
  readonly mult: number;
  readonly efConstruction: number;
  /** float32 components per vector. */
  readonly dim: number;
  /** Where the per-element upper-level link lists start (right after the level-0 block). */
  readonly linkListsOffset: number;
  /** Bytes of one upper-level link list: a count word and maxM neighbour ids. */
  readonly upperListBytes: number;
}

/**
 * The header `saveIndex` writes for `count` elements of `dim` floats, every one on level 0 only
 * (maxlevel 0, entry point 0, maxM0 = 2·M): how tests and the benchmark write multi-GB index files
 * without building a graph. The element layout follows: [count word, maxM0 links | vector | label].
 */
export function level0HeaderBytes(count: number, dim: number, M: number): { readonly bytes: Buffer; readonly elementBytes: number; readonly vectorOffset: number; readonly labelOffset: number } {
  const maxM0 = 2 * M;
  const vectorOffset = maxM0 * 4 + 4;
  const labelOffset = vectorOffset + dim * 4;
  const elementBytes = labelOffset + 8;
  const bytes = Buffer.alloc(HEADER_BYTES);
  [0, count, count, elementBytes, labelOffset, vectorOffset].forEach((value, i) => bytes.writeBigUInt64LE(BigInt(value), 8 * i));
  bytes.writeInt32LE(0, 48); // maxlevel
  bytes.writeUInt32LE(0, 52); // entry point
  bytes.writeBigUInt64LE(BigInt(M), 56); // maxM
  bytes.writeBigUInt64LE(BigInt(maxM0), 64); // maxM0
  bytes.writeBigUInt64LE(BigInt(M), 72); // M
  bytes.writeDoubleLE(1 / Math.log(M), 80); // mult
  bytes.writeBigUInt64LE(200n, 88); // ef_construction
  return { bytes, elementBytes, vectorOffset, labelOffset };
}

/** hnswlib caps M at 10000 when building; a larger value cannot come from the library. */
const MAX_M = 10_000;
/** Levels are drawn as floor(-ln(U)·mult) with mult = 1/ln(M): even 2^53 elements stay far below this. */
const MAX_LEVEL = 4096;
/** Vectors longer than this are not embeddings; a larger layout means the bytes are not an hnswlib header. */
const MAX_DIM = 1 << 20;

interface RawFields {
  readonly offsetLevel0: bigint;
  readonly maxElements: bigint;
  readonly count: bigint;
  readonly elementBytes: bigint;
  readonly labelOffset: bigint;
  readonly vectorOffset: bigint;
}

function rawFields(view: DataView): RawFields {
  return {
    offsetLevel0: view.getBigUint64(0, true),
    maxElements: view.getBigUint64(8, true),
    count: view.getBigUint64(16, true),
    elementBytes: view.getBigUint64(24, true),
    labelOffset: view.getBigUint64(32, true),
    vectorOffset: view.getBigUint64(40, true),
  };
}

/**
 * True when the first 64 bytes have the shape of an hnswlib header with a float vector layout.
 * The layout invariants (label right after the vector, vector right after a 4-byte-aligned link
 * list, offsetLevel0 always 0) make a false match on another format's bytes very unlikely.
 */
export function looksLikeHnswlib(head: Uint8Array): boolean {
  if (head.byteLength < 64) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const fields = rawFields(view);
  const maxLevel = view.getInt32(48, true);
  const vectorBytes = fields.labelOffset - fields.vectorOffset;
  return (
    fields.offsetLevel0 === 0n &&
    fields.count <= fields.maxElements &&
    fields.maxElements < 1n << 48n &&
    fields.vectorOffset >= 8n &&
    fields.vectorOffset % 4n === 0n &&
    fields.labelOffset > fields.vectorOffset &&
    vectorBytes % 4n === 0n &&
    vectorBytes / 4n <= BigInt(MAX_DIM) &&
    fields.elementBytes === fields.labelOffset + 8n &&
    maxLevel >= -1 &&
    maxLevel <= MAX_LEVEL
  );
}

export function readHnswlibHeader(file: LocalFile): HnswlibHeader {
  const fail = (what: string, byteOffset: number, hint = 'the file is not an hnswlib index, or it is corrupt; re-save it with saveIndex / writeIndex'): never => {
    throw new InputError(`not a valid hnswlib index: ${what}`, { where: file.path, byteOffset, hint });
  };
  if (file.size < HEADER_BYTES) fail(`${file.size} bytes is shorter than the ${HEADER_BYTES}-byte header`, file.size);
  const bytes = file.read(0, HEADER_BYTES, 'the hnswlib header');
  const view = new DataView(bytes.buffer);
  const fields = rawFields(view);
  const small = (value: bigint, name: string, offset: number): number => {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${name} = ${value} is implausibly large`, offset);
    return Number(value);
  };
  if (fields.offsetLevel0 !== 0n) fail(`offsetLevel0 is ${fields.offsetLevel0}, hnswlib always writes 0`, 0);
  const maxElements = small(fields.maxElements, 'max_elements', 8);
  const count = small(fields.count, 'cur_element_count', 16);
  const elementBytes = small(fields.elementBytes, 'size_data_per_element', 24);
  const labelOffset = small(fields.labelOffset, 'label_offset', 32);
  const vectorOffset = small(fields.vectorOffset, 'offsetData', 40);
  const maxLevel = view.getInt32(48, true);
  const entryPoint = view.getUint32(52, true);
  const maxM = small(view.getBigUint64(56, true), 'maxM', 56);
  const maxM0 = small(view.getBigUint64(64, true), 'maxM0', 64);
  const M = small(view.getBigUint64(72, true), 'M', 72);
  const mult = view.getFloat64(80, true);
  const efConstruction = small(view.getBigUint64(88, true), 'ef_construction', 88);

  if (count > maxElements) fail(`it holds ${count} elements but its capacity (max_elements) is ${maxElements}`, 16);
  if (M < 1 || M > MAX_M || maxM !== M) fail(`M = ${M}, maxM = ${maxM} (hnswlib writes 1 ≤ M ≤ ${MAX_M} and maxM = M)`, 56);
  if (maxM0 < M || maxM0 > 2 * MAX_M) fail(`maxM0 = ${maxM0} for M = ${M} (hnswlib writes maxM0 = 2·M)`, 64);
  const level0ListBytes = maxM0 * 4 + 4;
  if (vectorOffset !== level0ListBytes) fail(`the vector starts at ${vectorOffset} inside an element, but a level-0 link list of maxM0 = ${maxM0} takes ${level0ListBytes} bytes`, 40);
  const vectorBytes = labelOffset - vectorOffset;
  if (vectorBytes <= 0 || vectorBytes % 4 !== 0) {
    fail(
      `element layout gives ${vectorBytes} bytes per vector (label_offset ${labelOffset} − offsetData ${vectorOffset}); float32 vectors need a positive multiple of 4`,
      32,
      'only float32 spaces (l2, ip, cosine) are supported',
    );
  }
  const dim = vectorBytes / 4;
  if (dim > MAX_DIM) fail(`element layout gives ${dim} dimensions`, 32);
  if (elementBytes !== labelOffset + 8) fail(`size_data_per_element is ${elementBytes}, the layout needs ${labelOffset + 8}`, 24);
  if (!(mult > 0 && Number.isFinite(mult))) fail(`level multiplier mult = ${mult} is not a positive number`, 80);
  if (count === 0) {
    if (maxLevel !== -1 && maxLevel !== 0) fail(`an empty index has maxlevel ${maxLevel}`, 48);
  } else {
    if (maxLevel < 0 || maxLevel > MAX_LEVEL) fail(`maxlevel = ${maxLevel}`, 48);
    if (entryPoint >= count) fail(`entry point ${entryPoint} is not one of the ${count} elements`, 52);
  }
  const linkListsOffset = HEADER_BYTES + count * elementBytes;
  // Every element also has a 4-byte link-list size after the level-0 block.
  const minimumSize = linkListsOffset + 4 * count;
  if (!Number.isSafeInteger(minimumSize) || minimumSize > file.size) {
    throw new InputError(`header claims ${count} elements of ${elementBytes} bytes (at least ${minimumSize} bytes with their link lists) but the file has ${file.size}`, {
      where: file.path,
      byteOffset: Math.min(file.size, 16),
      hint: 'the file is truncated (an interrupted save or copy); re-save the index',
    });
  }
  return {
    maxElements,
    count,
    elementBytes,
    vectorOffset,
    labelOffset,
    maxLevel,
    entryPoint,
    maxM,
    maxM0,
    M,
    mult,
    efConstruction,
    dim,
    linkListsOffset,
    upperListBytes: maxM * 4 + 4,
  };
}
