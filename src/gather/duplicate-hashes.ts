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
/** Rows kept beyond the first, in a state's `groupRows` (EXTRA_ROWS each). */
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
/**
 * Slot layout in `table`: hash low word, hash high word, count (0 = empty), and a reference: the
 * hash's only row while its count is 1, the number of its group (ROWS_KEPT_PER_GROUP kept rows in
 * `groupRows`) once it repeats.
 */
const SLOT_WORDS = 4;
/** A hash is kept while its top `shift` bits are zero; beyond 32 only a zero high word is left. */
const MAX_SHIFT = 32;
/** A single row's number sits in one 32-bit slot word. */
const MAX_ROW = 0xffffffff;
/**
 * Kept hashes wait in arrival order and go into the table this many at a time, sorted by slot
 * region, so that the table is walked through instead of hit at random. Any insertion order gives
 * the same contents (see above) as long as the rows of one hash keep their order: the sort is stable.
 */
const PENDING_HASHES = 1 << 16;
/** Slot regions of that sort: 2^8, each 1/256 of the table (32 KB of an 8 MB table). */
const REGION_BITS = 8;

/**
 * A typed-array hash table, not a Map: millions of rows per second pass through it. A full scan of
 * 4M rows inserts ~800k hashes into 8 MB of slots, and each insert used to cost three cache misses
 * (its slot, and per-entry row and group arrays elsewhere): ~150 ns. Now one 16-byte slot holds
 * everything a hash seen once needs (most are seen once; repeated hashes move their rows to a
 * group), and inserts come in batches sorted by slot region. Slots are picked by the low hash word
 * while the keep filter reads the top of the high word, so kept hashes still spread evenly over the
 * slots. Thinning deletes in place (backward-shift deletion, group numbers recycled through a free
 * list): fresh memory costs a page fault per 4 KB, which here is slower than the thinning itself.
 */
export class DuplicateHashes {
  private slots = 0;
  private table = new Uint32Array(0);
  /** Distinct kept hashes in the table. */
  private size = 0;
  /** ROWS_KEPT_PER_GROUP rows per group: the first rows of a repeated hash, in order. */
  private groupRows = new Float64Array(0);
  private readonly groups = new NumberPool();
  private shift = 0;
  private rowsHashed = 0;
  /** Kept hashes not yet in the table, in arrival order, and their stable sort by slot region. */
  private readonly pending = new PendingHashes();
  private readonly sorted = new PendingHashes();
  private readonly regionStarts = new Int32Array((1 << REGION_BITS) + 1);

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
    if (this.keeps(hashHigh)) this.hold(hashLow, hashHigh, row);
  }

  /**
   * `add(hashLow[at[k]], hashHigh[at[k]], rows[k])` for k < n, in order: rows whose hash the keep
   * filter drops cost one shift and compare, without a call.
   */
  addMany(hashLow: Uint32Array, hashHigh: Uint32Array, at: Int32Array, rows: Float64Array, n: number): void {
    this.rowsHashed += n;
    for (let k = 0; k < n; k++) {
      const i = at[k] as number;
      const high = hashHigh[i] as number;
      if (this.shift !== 0 && high >>> (MAX_SHIFT - this.shift) !== 0) continue;
      this.hold(hashLow[i] as number, high, rows[k] as number);
    }
  }

  /** Fold in a table built over rows that all come after the rows added so far. */
  absorb(state: DuplicateHashesState): void {
    if (state.capacity !== this.capacity) throw new Error('duplicate tables of different capacities cannot merge');
    this.flush();
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
    this.flush();
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
      const count = this.table[at + 2] as number;
      if (count === 0) continue;
      const rows = this.rowsOf(at);
      hashLow[i] = this.table[at] as number;
      hashHigh[i] = this.table[at + 1] as number;
      counts[i] = count;
      firstRows[i] = rows[0] as number;
      groupOf[i] = count === 1 ? -1 : groupRows.length / EXTRA_ROWS;
      for (let k = 1; count > 1 && k < ROWS_KEPT_PER_GROUP; k++) groupRows.push(rows[k] ?? 0);
      i++;
    }
    return { capacity: this.capacity, shift: this.shift, rowsHashed: this.rowsHashed, hashLow, hashHigh, counts, firstRows, groupOf, groupRows: Float64Array.from(groupRows) };
  }

  summary(): DuplicateSummary {
    this.flush();
    const keepRate = 1 / 2 ** this.shift;
    let duplicates = 0;
    const repeated: { count: number; at: number; first: number }[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const at = slot * SLOT_WORDS;
      const count = this.table[at + 2] as number;
      if (count < 2) continue;
      duplicates += count - 1;
      repeated.push({ count, at, first: this.groupRows[(this.table[at + 3] as number) * ROWS_KEPT_PER_GROUP] as number });
    }
    const largestGroups = repeated
      .sort((a, b) => b.count - a.count || a.first - b.first)
      .slice(0, LARGEST_GROUPS_REPORTED)
      .map(({ count, at }) => ({ size: count, rows: this.rowsOf(at) }));
    return {
      rowsHashed: this.rowsHashed,
      keepRate,
      duplicateRows: Math.round(duplicates / keepRate),
      groups: Math.round(repeated.length / keepRate),
      largestGroups,
    };
  }

  /** Queue a kept occurrence; the queue goes into the table when full or when the table is read. */
  private hold(hashLow: number, hashHigh: number, row: number): void {
    const pending = this.pending;
    const n = pending.count;
    if (n === pending.low.length) pending.grow();
    pending.low[n] = hashLow;
    pending.high[n] = hashHigh;
    pending.rows[n] = row;
    pending.count = n + 1;
    if (n + 1 === PENDING_HASHES) this.flush();
  }

  /** Insert the queued occurrences region by region of the table (a stable counting sort first). */
  private flush(): void {
    const pending = this.pending;
    const n = pending.count;
    if (n === 0) return;
    pending.count = 0;
    const starts = this.regionStarts;
    const regionShift = Math.max(0, Math.log2(this.slots) - REGION_BITS);
    const regionMask = (1 << REGION_BITS) - 1;
    starts.fill(0);
    for (let k = 0; k < n; k++) {
      const region = (((pending.low[k] as number) >>> regionShift) & regionMask) + 1;
      starts[region] = (starts[region] as number) + 1;
    }
    for (let r = 0; r <= regionMask; r++) starts[r + 1] = (starts[r + 1] as number) + (starts[r] as number);
    const sorted = this.sorted;
    while (sorted.low.length < n) sorted.grow();
    for (let k = 0; k < n; k++) {
      const region = ((pending.low[k] as number) >>> regionShift) & regionMask;
      const to = starts[region] as number;
      starts[region] = to + 1;
      sorted.low[to] = pending.low[k] as number;
      sorted.high[to] = pending.high[k] as number;
      sorted.rows[to] = pending.rows[k] as number;
    }
    // Thinning on the way drops hashes still queued: each is filtered again.
    for (let k = 0; k < n; k++) {
      const high = sorted.high[k] as number;
      if (this.keeps(high)) this.insert(sorted.low[k] as number, high, sorted.rows[k] as number);
    }
  }

  /** One kept occurrence of a hash into the table. */
  private insert(hashLow: number, hashHigh: number, row: number): void {
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
        if (count < ROWS_KEPT_PER_GROUP) this.keepRow(at, count, row);
        table[at + 2] = count + 1;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.newEntry(slot, low, high, 1, row);
    this.afterInsert();
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
        for (let k = 0; existing + k < ROWS_KEPT_PER_GROUP && k < rows.length; k++) this.keepRow(at, existing + k, rows[k] as number);
        this.table[at + 2] = existing + count;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.newEntry(slot, low, high, count, rows[0] as number);
    for (let k = 1; k < rows.length; k++) this.keepRow(slot * SLOT_WORDS, k, rows[k] as number);
    this.afterInsert();
  }

  /**
   * Fill an empty slot with a hash seen `count` times, `row` first; the caller then runs
   * `afterInsert`, which may drop this very hash. A repeated hash gets its group here, and the
   * caller keeps its further rows with `keepRow`.
   */
  private newEntry(slot: number, low: number, high: number, count: number, row: number): void {
    const at = slot * SLOT_WORDS;
    this.table[at] = low;
    this.table[at + 1] = high;
    this.table[at + 2] = count;
    if (count === 1) {
      this.table[at + 3] = singleRow(row);
    } else {
      const group = this.newGroup();
      this.groupRows[group * ROWS_KEPT_PER_GROUP] = row;
      this.table[at + 3] = group;
    }
    this.size++;
  }

  /** Thin past capacity, or grow to stay below MAX_LOAD. */
  private afterInsert(): void {
    if (this.size > this.capacity) {
      while (this.size > this.capacity && this.shift < MAX_SHIFT) this.thin();
    } else if (this.size > this.slots * MAX_LOAD) {
      this.rehash(this.slots * 2);
    }
  }

  /**
   * Keep `row` as row number `index` (1 = second) of the hash in the slot at word `at`, before its
   * count grows past `index`. The second row moves the first into a new group.
   */
  private keepRow(at: number, index: number, row: number): void {
    let group = this.table[at + 3] as number;
    if (index === 1 && (this.table[at + 2] as number) === 1) {
      const first = group;
      group = this.newGroup();
      this.groupRows[group * ROWS_KEPT_PER_GROUP] = first;
      this.table[at + 3] = group;
    }
    this.groupRows[group * ROWS_KEPT_PER_GROUP + index] = row;
  }

  private newGroup(): number {
    const group = this.groups.take();
    if ((group + 1) * ROWS_KEPT_PER_GROUP > this.groupRows.length) {
      this.groupRows = grown(this.groupRows, Math.max(ROWS_KEPT_PER_GROUP * 64, this.groupRows.length * 2));
    }
    return group;
  }

  /** The kept rows of the hash in the slot at word `at`. */
  private rowsOf(at: number): number[] {
    const count = this.table[at + 2] as number;
    const reference = this.table[at + 3] as number;
    if (count === 1) return [reference];
    const base = reference * ROWS_KEPT_PER_GROUP;
    return Array.from(this.groupRows.subarray(base, base + Math.min(count, ROWS_KEPT_PER_GROUP)));
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
    if ((table[slot * SLOT_WORDS + 2] as number) > 1) this.groups.give(table[slot * SLOT_WORDS + 3] as number);
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

  /** Move every hash into a table of `slots` slots (growth only; groups keep their numbers). */
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

/** A row number as its slot word: rows past 2^32 would need a wider slot (and a 4-billion-row scan). */
function singleRow(row: number): number {
  if (!(row >= 0 && row <= MAX_ROW)) throw new RangeError(`duplicate table: row number ${row} is outside 0..${MAX_ROW}`);
  return row;
}

/** Hashes with their rows, in parallel typed arrays grown on demand (most tables see few rows). */
class PendingHashes {
  count = 0;
  low = new Uint32Array(0);
  high = new Uint32Array(0);
  rows = new Float64Array(0);

  grow(): void {
    const length = Math.min(PENDING_HASHES, Math.max(1024, this.low.length * 2));
    this.low = grown(this.low, length);
    this.high = grown(this.high, length);
    this.rows = grown(this.rows, length);
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
