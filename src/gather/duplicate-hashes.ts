import { grown } from '../math/vectors.js';

/**
 * Exact duplicate rows in bounded memory. Every row's content hash is kept while the table is
 * small; past `capacity` distinct hashes only hashes whose top `shift` bits are zero are kept
 * (`shift` grows until they fit). Copies share a hash, so a kept hash keeps all its copies: the
 * duplicate count measured on the kept hashes, divided by the keep rate, is an unbiased estimate
 * (exact while the rate is 1). The final keep rate is the largest power of ½ at which the kept
 * hashes fit, whatever order rows arrive in, so tables built over parts of a file merge into
 * exactly the table of one pass over the whole file.
 */
export interface DuplicateGroup {
  readonly size: number;
  /** First few row numbers holding this content. */
  readonly rows: readonly number[];
}

export interface DuplicateSummary {
  /** Rows offered (valid rows only: zero and non-finite rows are counted elsewhere). */
  readonly rowsHashed: number;
  /** 1 when every row's hash was kept: the counts below are then exact. */
  readonly keepRate: number;
  /** Estimated rows that repeat an earlier row's exact content. */
  readonly duplicateRows: number;
  /** Estimated distinct contents among repeated ones. */
  readonly groups: number;
  /** Largest groups among the kept hashes, biggest first (ties: earliest first row first). */
  readonly largestGroups: readonly DuplicateGroup[];
}

/** The kept hashes of a table, compact and structured-clone friendly (for worker threads). */
export interface DuplicateHashesState {
  readonly capacity: number;
  readonly shift: number;
  readonly rowsHashed: number;
  readonly hashLow: Uint32Array;
  readonly hashHigh: Uint32Array;
  readonly counts: Uint32Array;
  readonly firstRows: Float64Array;
  /** Per hash, -1 or the index of its further rows in `groupRows` (EXTRA_ROWS each). */
  readonly groupOf: Int32Array;
  readonly groupRows: Float64Array;
}

const ROWS_KEPT_PER_GROUP = 5;
/** Rows kept beyond the first, stored apart: most hashes are seen once. */
const EXTRA_ROWS = ROWS_KEPT_PER_GROUP - 1;
const LARGEST_GROUPS_REPORTED = 10;
/** Open addressing with linear probing stays fast below half full. */
const MAX_LOAD = 0.5;
const INITIAL_SLOTS = 1 << 12;
/**
 * 2^18 hashes: counts are exact up to ~260k valid rows, and estimates past that rest on at least
 * 2^17 kept hashes (±3% at a 1% duplicate rate). The table then takes 8 MB, which mostly stays in
 * cache: at 2^19 (16 MB) a full scan spent 2-3x longer per row here, on cache misses.
 */
const DEFAULT_CAPACITY = 1 << 18;
/** Slot layout in `table`: hash low word, hash high word, count (0 = empty), entry index. */
const SLOT_WORDS = 4;
/** A hash is kept while its top `shift` bits are zero; beyond 32 only a zero high word is left. */
const MAX_SHIFT = 32;

/**
 * A typed-array hash table, not a Map: millions of rows per second pass through it. One 16-byte
 * slot per hash keeps a probe to one cache line; first rows sit in a per-entry array and further
 * rows apart, since most hashes are seen once. Slots are picked by the low hash word while the
 * keep filter reads the top of the high word, so kept hashes still spread evenly over the slots.
 * Thinning deletes in place (backward-shift deletion, entry numbers recycled through free lists):
 * fresh memory costs a page fault per 4 KB, which here is slower than the thinning itself.
 */
export class DuplicateHashes {
  private slots = 0;
  private table = new Uint32Array(0);
  /** Distinct kept hashes in the table. */
  private size = 0;
  /** Per entry: its first row, and -1 or the group holding its further rows. */
  private firstRows = new Float64Array(0);
  private groupOf = new Int32Array(0);
  private readonly entries = new NumberPool();
  /** EXTRA_ROWS further rows per group. */
  private groupRows = new Float64Array(0);
  private readonly groups = new NumberPool();
  private shift = 0;
  private rowsHashed = 0;

  /**
   * `expectedRows`, when known, sizes the table up front: growing it step by step re-inserts
   * every hash several times and touches twice the memory.
   */
  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    expectedRows = 0,
  ) {
    this.rehash(Math.min(slotsFor(capacity), Math.max(INITIAL_SLOTS, slotsFor(expectedRows))));
  }

  add(hashLow: number, hashHigh: number, row: number): void {
    this.rowsHashed++;
    if (!this.keeps(hashHigh)) return;
    const low = hashLow >>> 0;
    const high = hashHigh >>> 0;
    const table = this.table;
    const mask = this.slots - 1;
    let slot = low & mask;
    for (;;) {
      const at = slot * SLOT_WORDS;
      const count = table[at + 2] as number;
      if (count === 0) break;
      if (table[at] === low && table[at + 1] === high) {
        table[at + 2] = count + 1;
        if (count < ROWS_KEPT_PER_GROUP) this.keepRow(table[at + 3] as number, count, row);
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.newEntry(slot, low, high, 1, row);
    this.afterInsert();
  }

  /**
   * `add(hashLow[at[k]], hashHigh[at[k]], rows[k])` for k < n, in order: rows whose hash the keep
   * filter drops cost one shift and compare, without a call.
   */
  addMany(hashLow: Uint32Array, hashHigh: Uint32Array, at: Int32Array, rows: Float64Array, n: number): void {
    for (let k = 0; k < n; k++) {
      const i = at[k] as number;
      const high = hashHigh[i] as number;
      if (this.shift !== 0 && high >>> (MAX_SHIFT - this.shift) !== 0) {
        this.rowsHashed++;
        continue;
      }
      this.add(hashLow[i] as number, high, rows[k] as number);
    }
  }

  /** Fold in a table built over rows that all come after the rows added so far. */
  absorb(state: DuplicateHashesState): void {
    if (state.capacity !== this.capacity) throw new Error('duplicate tables of different capacities cannot merge');
    this.rowsHashed += state.rowsHashed;
    while (this.shift < state.shift) this.thin();
    for (let i = 0; i < state.counts.length; i++) {
      const high = state.hashHigh[i] as number;
      if (!this.keeps(high)) continue;
      const count = state.counts[i] as number;
      const rows = [state.firstRows[i] as number];
      const group = state.groupOf[i] as number;
      for (let k = 0; group >= 0 && k < Math.min(count, ROWS_KEPT_PER_GROUP) - 1; k++) rows.push(state.groupRows[group * EXTRA_ROWS + k] as number);
      this.addOccurrences(state.hashLow[i] as number, high, count, rows);
    }
  }

  state(): DuplicateHashesState {
    const n = this.size;
    const hashLow = new Uint32Array(n);
    const hashHigh = new Uint32Array(n);
    const counts = new Uint32Array(n);
    const firstRows = new Float64Array(n);
    const groupOf = new Int32Array(n);
    const groupRows: number[] = [];
    let i = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const at = slot * SLOT_WORDS;
      if (this.table[at + 2] === 0) continue;
      const entry = this.table[at + 3] as number;
      hashLow[i] = this.table[at] as number;
      hashHigh[i] = this.table[at + 1] as number;
      counts[i] = this.table[at + 2] as number;
      firstRows[i] = this.firstRows[entry] as number;
      const group = this.groupOf[entry] as number;
      groupOf[i] = group < 0 ? -1 : groupRows.length / EXTRA_ROWS;
      for (let k = 0; group >= 0 && k < EXTRA_ROWS; k++) groupRows.push(this.groupRows[group * EXTRA_ROWS + k] as number);
      i++;
    }
    return { capacity: this.capacity, shift: this.shift, rowsHashed: this.rowsHashed, hashLow, hashHigh, counts, firstRows, groupOf, groupRows: Float64Array.from(groupRows) };
  }

  summary(): DuplicateSummary {
    const keepRate = 1 / 2 ** this.shift;
    let duplicates = 0;
    const repeated: { count: number; entry: number }[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const at = slot * SLOT_WORDS;
      const count = this.table[at + 2] as number;
      if (count < 2) continue;
      duplicates += count - 1;
      repeated.push({ count, entry: this.table[at + 3] as number });
    }
    const largestGroups = repeated
      .sort((a, b) => b.count - a.count || (this.firstRows[a.entry] as number) - (this.firstRows[b.entry] as number))
      .slice(0, LARGEST_GROUPS_REPORTED)
      .map(({ count, entry }) => ({ size: count, rows: this.rowsOf(entry, count) }));
    return {
      rowsHashed: this.rowsHashed,
      keepRate,
      duplicateRows: Math.round(duplicates / keepRate),
      groups: Math.round(repeated.length / keepRate),
      largestGroups,
    };
  }

  /** `count` occurrences of one hash whose first rows are `rows` (at most ROWS_KEPT_PER_GROUP). */
  private addOccurrences(low: number, high: number, count: number, rows: readonly number[]): void {
    const mask = this.slots - 1;
    let slot = low & mask;
    for (;;) {
      const at = slot * SLOT_WORDS;
      const existing = this.table[at + 2] as number;
      if (existing === 0) break;
      if (this.table[at] === low && this.table[at + 1] === high) {
        this.table[at + 2] = existing + count;
        const entry = this.table[at + 3] as number;
        for (let k = 0; existing + k < ROWS_KEPT_PER_GROUP && k < rows.length; k++) this.keepRow(entry, existing + k, rows[k] as number);
        return;
      }
      slot = (slot + 1) & mask;
    }
    const entry = this.newEntry(slot, low, high, count, rows[0] as number);
    for (let k = 1; k < rows.length; k++) this.keepRow(entry, k, rows[k] as number);
    this.afterInsert();
  }

  /** Fill an empty slot; the caller then runs `afterInsert`, which may drop this very hash. */
  private newEntry(slot: number, low: number, high: number, count: number, row: number): number {
    const entry = this.entries.take();
    if (entry >= this.firstRows.length) {
      const length = Math.min(this.capacity + 1, Math.max(1024, this.firstRows.length * 2));
      this.firstRows = grown(this.firstRows, length);
      this.groupOf = grown(this.groupOf, length);
    }
    const at = slot * SLOT_WORDS;
    this.table[at] = low;
    this.table[at + 1] = high;
    this.table[at + 2] = count;
    this.table[at + 3] = entry;
    this.firstRows[entry] = row;
    this.groupOf[entry] = -1;
    this.size++;
    return entry;
  }

  /** Thin past capacity, or grow to stay below MAX_LOAD. */
  private afterInsert(): void {
    if (this.size > this.capacity) {
      while (this.size > this.capacity && this.shift < MAX_SHIFT) this.thin();
    } else if (this.size > this.slots * MAX_LOAD) {
      this.rehash(this.slots * 2);
    }
  }

  /** Row number `index` (0 = first) of an entry, when fewer than ROWS_KEPT_PER_GROUP are kept. */
  private keepRow(entry: number, index: number, row: number): void {
    if (index === 0) {
      this.firstRows[entry] = row;
      return;
    }
    let group = this.groupOf[entry] as number;
    if (group < 0) {
      group = this.groups.take();
      if ((group + 1) * EXTRA_ROWS > this.groupRows.length) {
        this.groupRows = grown(this.groupRows, Math.max(EXTRA_ROWS * 64, this.groupRows.length * 2));
      }
      this.groupOf[entry] = group;
    }
    this.groupRows[group * EXTRA_ROWS + index - 1] = row;
  }

  private rowsOf(entry: number, count: number): number[] {
    const rows = [this.firstRows[entry] as number];
    const group = this.groupOf[entry] as number;
    for (let k = 0; group >= 0 && k < Math.min(count, ROWS_KEPT_PER_GROUP) - 1; k++) rows.push(this.groupRows[group * EXTRA_ROWS + k] as number);
    return rows;
  }

  /** Halve the keep rate: delete, in place, every kept hash whose next top bit is set. */
  private thin(): void {
    this.shift++;
    for (let slot = 0; slot < this.slots; ) {
      const at = slot * SLOT_WORDS;
      if (this.table[at + 2] !== 0 && !this.keeps(this.table[at + 1] as number)) {
        this.remove(slot);
        continue; // a later hash may have shifted into this slot: look at it again
      }
      slot++;
    }
  }

  /** Backward-shift deletion: pull later members of the probe run into the hole, no tombstones. */
  private remove(slot: number): void {
    const table = this.table;
    const mask = this.slots - 1;
    const entry = table[slot * SLOT_WORDS + 3] as number;
    const group = this.groupOf[entry] as number;
    if (group >= 0) this.groups.give(group);
    this.entries.give(entry);
    this.size--;
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & mask;
      const from = next * SLOT_WORDS;
      if (table[from + 2] === 0) break;
      const home = (table[from] as number) & mask;
      // Move it unless its home lies cyclically in (hole, next]: then it is already as close as it can be.
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      for (let word = 0; word < SLOT_WORDS; word++) table[hole * SLOT_WORDS + word] = table[from + word] as number;
      hole = next;
    }
    for (let word = 0; word < SLOT_WORDS; word++) table[hole * SLOT_WORDS + word] = 0;
  }

  /** Move every hash into a table of `slots` slots (growth only; entries keep their numbers). */
  private rehash(slots: number): void {
    const oldTable = this.table;
    const oldSlots = this.slots;
    this.slots = slots;
    this.table = new Uint32Array(slots * SLOT_WORDS);
    const mask = slots - 1;
    for (let old = 0; old < oldSlots; old++) {
      const from = old * SLOT_WORDS;
      if (oldTable[from + 2] === 0) continue;
      let slot = (oldTable[from] as number) & mask;
      while (this.table[slot * SLOT_WORDS + 2] !== 0) slot = (slot + 1) & mask;
      const at = slot * SLOT_WORDS;
      for (let word = 0; word < SLOT_WORDS; word++) this.table[at + word] = oldTable[from + word] as number;
    }
  }

  private keeps(hashHigh: number): boolean {
    return this.shift === 0 || hashHigh >>> (MAX_SHIFT - this.shift) === 0;
  }
}

/** Non-negative integers handed out lowest-new-first, with released ones reused first. */
class NumberPool {
  private next = 0;
  private free = new Int32Array(0);
  private freeCount = 0;

  take(): number {
    return this.freeCount > 0 ? (this.free[--this.freeCount] as number) : this.next++;
  }

  give(value: number): void {
    if (this.freeCount >= this.free.length) this.free = grown(this.free, Math.max(1024, this.free.length * 2));
    this.free[this.freeCount++] = value;
  }
}

function slotsFor(capacity: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, capacity / MAX_LOAD)));
}
