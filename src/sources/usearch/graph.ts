import { InputError } from '../../errors.js';
import { ChunkedReader } from '../files/chunked-reader.js';
import type { LocalFile } from '../files/local-file.js';
import { nodeBytes, type UsearchLayout } from './layout.js';

export interface UsearchNodes {
  /** Key of every slot as its u64 bit pattern (usearch keys are unsigned). */
  readonly keys: BigInt64Array;
  /** Slots whose key is usearch's free key: removed entries, skipped by search. */
  readonly deletedSlots: readonly number[];
}

/**
 * Sum the node tapes from the per-node levels: they must end exactly at the end of the file.
 * Returns the level of each node (2 bytes per node, already bounded by the file size).
 */
export function readLevels(file: LocalFile, layout: UsearchLayout): Int16Array {
  const reader = new ChunkedReader(file);
  const levels = new Int16Array(layout.slots);
  let end = layout.nodesOffset;
  for (let slot = 0; slot < layout.slots; slot++) {
    const level = reader.i16(layout.levelsOffset + 2 * slot, `the level of node ${slot}`);
    if (level < 0 || level > layout.maxLevel) corrupt(file, `node ${slot} has level ${level}, outside 0..${layout.maxLevel}`, layout.levelsOffset + 2 * slot);
    levels[slot] = level;
    end += nodeBytes(layout, level);
  }
  if (layout.slots > 0 && levels[layout.entrySlot] !== layout.maxLevel) {
    corrupt(file, `the entry node ${layout.entrySlot} has level ${levels[layout.entrySlot]}, the graph's max level is ${layout.maxLevel}`, layout.levelsOffset + 2 * layout.entrySlot);
  }
  if (end !== file.size) {
    corrupt(file, `the node tapes end at byte ${end} but the file has ${file.size} bytes (${end > file.size ? 'truncated' : 'trailing data'})`, Math.min(end, file.size));
  }
  return levels;
}

/**
 * One pass over the node tapes: each node's key, its level (must repeat the level table), and
 * every neighbour slot checked against the node count, so native search never follows a bad link.
 */
export function readNodes(file: LocalFile, layout: UsearchLayout, levels: Int16Array): UsearchNodes {
  const reader = new ChunkedReader(file);
  const keys = new BigInt64Array(layout.slots);
  const deletedSlots: number[] = [];
  const freeKey = (1n << BigInt(8 * layout.keyBytes)) - 1n;
  const slotLimit = BigInt(layout.slots);
  let position = layout.nodesOffset;
  for (let slot = 0; slot < layout.slots; slot++) {
    const key = reader.unsigned(position, layout.keyBytes, `the key of node ${slot}`);
    const level = reader.i16(position + layout.keyBytes, `the level of node ${slot}`);
    if (level !== levels[slot]) corrupt(file, `node ${slot} says level ${level}, the level table ${levels[slot]}`, position + layout.keyBytes);
    let list = position + layout.keyBytes + 2;
    for (let l = 0; l <= level; l++) {
      const capacity = l === 0 ? layout.connectivityBase : layout.connectivity;
      const neighbours = reader.u32(list, `a neighbour list of node ${slot}`);
      if (neighbours > capacity) corrupt(file, `node ${slot} has ${neighbours} neighbours on level ${l}, more than ${capacity}`, list);
      for (let i = 0; i < neighbours; i++) {
        const at = list + 4 + i * layout.slotBytes;
        const neighbour = reader.unsigned(at, layout.slotBytes, `a neighbour of node ${slot}`);
        // A link on level l must reach a node that has level l: search reads that node's level-l list next.
        if (neighbour >= slotLimit || (levels[Number(neighbour)] as number) < l) corrupt(file, `node ${slot} links on level ${l} to slot ${neighbour}, which is not a node on that level`, at);
      }
      list += 4 + capacity * layout.slotBytes;
    }
    keys[slot] = BigInt.asIntN(64, key);
    if (key === freeKey) deletedSlots.push(slot);
    position += nodeBytes(layout, level);
  }
  if (deletedSlots.length !== layout.deleted) {
    corrupt(file, `the head counts ${layout.deleted} deleted entries but ${deletedSlots.length} nodes carry the free key`, layout.nodesOffset);
  }
  return { keys, deletedSlots };
}

function corrupt(file: LocalFile, what: string, byteOffset: number): never {
  throw new InputError(`corrupt usearch index: ${what}`, {
    where: file.path,
    byteOffset,
    hint: 'the file was truncated or overwritten after saving; re-save the index',
  });
}
