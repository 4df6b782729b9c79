import { InputError } from '../../errors.js';
import { ChunkedReader } from '../files/chunked-reader.js';
import type { LocalFile } from '../files/local-file.js';
import { HEADER_BYTES, type HnswlibHeader } from './header.js';

/** Upper graph levels, from the per-element link-list section that follows the level-0 block. */
export interface HnswlibLevels {
  /** Elements per level: levels[0] = elements present only on level 0, and so on. */
  readonly elementsPerLevel: readonly number[];
}

/** Per-element facts that live inside the level-0 block: one pass over every element. */
export interface HnswlibElements {
  /** External label of each element, as the u64 bit pattern (hnswlib labels are unsigned). */
  readonly labels: BigInt64Array;
  /** Elements carrying hnswlib's delete mark (searches skip them; their vectors stay in the file). */
  readonly deletedRows: readonly number[];
  /** Elements with no level-0 neighbours although the index has more than one element: unreachable. */
  readonly isolatedRows: number;
}

/** hnswlib stores a list's length in the low 16 bits of its first word and the delete mark in byte 2. */
const LIST_COUNT_MASK = 0xffff;
const DELETE_MARK = 0x01;
/** Level-0 elements are read in blocks of whole elements of about this size. */
const ELEMENT_BLOCK_BYTES = 8 << 20;

/**
 * Walk the link-list section the way `loadIndex` checks it: for each element a uint32 byte size
 * (0 or a whole number of upper-level lists) and its lists, ending exactly at the end of the
 * file. Validates every upper-level neighbour id, so a graph handed to the native library can
 * never point outside the elements.
 */
export function walkLinkLists(file: LocalFile, header: HnswlibHeader): HnswlibLevels {
  const reader = new ChunkedReader(file);
  const perLevel: number[] = [0];
  // Levels are needed before links can be checked: a link on level l must reach an element that has level l.
  const levelOf = new Uint16Array(header.count);
  const fail = (what: string, byteOffset: number): never => {
    throw new InputError(`corrupt hnswlib index: ${what}`, {
      where: file.path,
      byteOffset,
      hint: 'the file was truncated or overwritten after saving; re-save the index',
    });
  };
  // Elements above level 0 (a few percent) and where their lists are, for the link pass below.
  const upper: { element: number; position: number }[] = [];
  let position = header.linkListsOffset;
  let element = 0;
  while (element < header.count) {
    // Most elements live on level 0 only (size 0): walk the resident window without a call per field.
    const { view, at: spanStart, limit } = reader.span(position, 4, `the link-list size of element ${element}`);
    let at = spanStart;
    while (element < header.count && at + 4 <= limit) {
      const size = view.getUint32(at, true);
      if (size % header.upperListBytes !== 0) {
        fail(`element ${element} has ${size} bytes of upper-level links, not a multiple of ${header.upperListBytes}`, position);
      }
      const levels = size / header.upperListBytes;
      if (levels > header.maxLevel) fail(`element ${element} reaches level ${levels}, above the index's maxlevel ${header.maxLevel}`, position);
      if (position + 4 + size > file.size) fail(`element ${element}'s link lists run past the end of the file`, position);
      levelOf[element] = levels;
      if (levels > 0) upper.push({ element, position });
      while (perLevel.length <= levels) perLevel.push(0);
      perLevel[levels] = (perLevel[levels] as number) + 1;
      position += 4 + size;
      at += 4 + size;
      element++;
    }
  }
  if (position !== file.size) {
    fail(`the link lists end at byte ${position} but the file has ${file.size} bytes (${file.size - position > 0 ? 'trailing data' : 'missing data'})`, Math.min(position, file.size));
  }
  // Search descends from the entry point through every level down from maxlevel.
  if (header.count > 0 && levelOf[header.entryPoint] !== header.maxLevel) {
    fail(`the entry point ${header.entryPoint} has level ${levelOf[header.entryPoint]}, the index's maxlevel is ${header.maxLevel}`, 52);
  }
  for (const { element, position: listsStart } of upper) {
    const levels = levelOf[element] as number;
    for (let level = 1; level <= levels; level++) {
      const listOffset = listsStart + 4 + (level - 1) * header.upperListBytes;
      const neighbours = reader.u32(listOffset, `a link list of element ${element}`) & LIST_COUNT_MASK;
      if (neighbours > header.maxM) fail(`element ${element} has ${neighbours} neighbours on level ${level}, more than maxM = ${header.maxM}`, listOffset);
      for (let i = 0; i < neighbours; i++) {
        const neighbour = reader.u32(listOffset + 4 + 4 * i, `a link of element ${element}`);
        if (neighbour >= header.count || (levelOf[neighbour] as number) < level) {
          fail(`element ${element} links on level ${level} to element ${neighbour}, which ${neighbour >= header.count ? `does not exist (there are ${header.count})` : 'is not on that level'}`, listOffset + 4 + 4 * i);
        }
      }
    }
  }
  return { elementsPerLevel: perLevel };
}

/**
 * Collects labels and delete marks from level-0 element bytes and checks every level-0 neighbour
 * id against the element count. Fed whole elements in order, by `readElements` or by a scan that
 * reads the same bytes anyway.
 */
export class ElementPass {
  private readonly labels: BigInt64Array;
  private readonly deletedRows: number[] = [];
  private isolatedRows = 0;
  private next = 0;

  constructor(
    private readonly file: LocalFile,
    private readonly header: HnswlibHeader,
  ) {
    this.labels = new BigInt64Array(header.count);
  }

  /** Elements `first`.. in `bytes` (whole elements, `bytes` starting at element `first`). */
  consume(bytes: Uint8Array, first: number, elements: number): void {
    if (first !== this.next) throw new Error(`element pass expected element ${this.next}, got ${first}`);
    const { count, elementBytes, labelOffset, maxM0 } = this.header;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < elements; i++) {
      const base = i * elementBytes;
      const element = first + i;
      const fileOffset = HEADER_BYTES + element * elementBytes;
      const neighbours = view.getUint32(base, true) & LIST_COUNT_MASK;
      if (neighbours > maxM0) this.corrupt(`element ${element} has ${neighbours} level-0 neighbours, more than maxM0 = ${maxM0}`, fileOffset);
      for (let j = 0; j < neighbours; j++) {
        const neighbour = view.getUint32(base + 4 + 4 * j, true);
        if (neighbour >= count) this.corrupt(`element ${element} links to element ${neighbour}; there are ${count}`, fileOffset + 4 + 4 * j);
      }
      if (neighbours === 0 && count > 1) this.isolatedRows++;
      if (((bytes[base + 2] as number) & DELETE_MARK) !== 0) this.deletedRows.push(element);
      this.labels[element] = view.getBigInt64(base + labelOffset, true);
    }
    this.next += elements;
  }

  /** The result once every element was consumed, else undefined (a scan that stopped early). */
  finish(): HnswlibElements | undefined {
    if (this.next !== this.header.count) return undefined;
    return { labels: this.labels, deletedRows: this.deletedRows, isolatedRows: this.isolatedRows };
  }

  private corrupt(what: string, byteOffset: number): never {
    throw new InputError(`corrupt hnswlib index: ${what}`, {
      where: this.file.path,
      byteOffset,
      hint: 'the file was overwritten or is not an hnswlib index; re-save it',
    });
  }
}

/** Level-0 elements read per block: whole elements, about 8 MiB. */
export function elementsPerBlock(header: HnswlibHeader): number {
  return Math.max(1, Math.floor(ELEMENT_BLOCK_BYTES / header.elementBytes));
}

/** One sequential pass over the level-0 block: every label, every delete mark, every level-0 link. */
export function readElements(file: LocalFile, header: HnswlibHeader, signal?: AbortSignal): HnswlibElements {
  const pass = new ElementPass(file, header);
  const perBlock = elementsPerBlock(header);
  const buffer = new Uint8Array(Math.min(header.count, perBlock) * header.elementBytes);
  for (let first = 0; first < header.count; first += perBlock) {
    signal?.throwIfAborted();
    const elements = Math.min(perBlock, header.count - first);
    const bytes = buffer.subarray(0, elements * header.elementBytes);
    file.readInto(bytes, HEADER_BYTES + first * header.elementBytes, `elements ${first}..${first + elements - 1}`);
    pass.consume(bytes, first, elements);
  }
  return pass.finish() as HnswlibElements;
}
