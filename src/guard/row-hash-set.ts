/**
 * A set of 64-bit row hashes (two 32-bit halves), each mapped to the ordinal of the first row that
 * had it. Written by hand instead of a Map because a JS Map cannot key on 64 bits without a BigInt
 * (or string) allocation per row, and the guard's hot loop must not allocate per row.
 */
const EMPTY = 0xffffffff;
const INITIAL_SLOTS = 1 << 12;
/** Grow at 50% load: linear probing stays short (about 1.5 probes per hit). */
const MAX_LOAD = 0.5;

export class RowHashSet {
  private low = new Uint32Array(INITIAL_SLOTS);
  private high = new Uint32Array(INITIAL_SLOTS);
  /** Ordinal of the first row with this hash, EMPTY for a free slot. */
  private ordinal = new Uint32Array(INITIAL_SLOTS).fill(EMPTY);
  private used = 0;

  get size(): number {
    return this.used;
  }

  /**
   * Insert the hash with `ordinal` unless present. Returns the earlier ordinal when the hash was
   * already there, -1 when it was new.
   */
  addOrGet(hashLow: number, hashHigh: number, ordinal: number): number {
    if (this.used + 1 > this.ordinal.length * MAX_LOAD) this.grow();
    const mask = this.ordinal.length - 1;
    let slot = (hashLow ^ Math.imul(hashHigh, 0x9e3779b1)) & mask;
    for (;;) {
      const stored = this.ordinal[slot] as number;
      if (stored === EMPTY) {
        this.low[slot] = hashLow;
        this.high[slot] = hashHigh;
        this.ordinal[slot] = ordinal;
        this.used++;
        return -1;
      }
      if (this.low[slot] === hashLow >>> 0 && this.high[slot] === hashHigh >>> 0) return stored;
      slot = (slot + 1) & mask;
    }
  }

  /** Forget every hash first seen at `ordinal` or later (a refused batch). Rebuilds the table: rare path. */
  removeFrom(ordinal: number): void {
    const { low, high, ordinal: ordinals } = this;
    this.ordinal = new Uint32Array(ordinals.length).fill(EMPTY);
    this.used = 0;
    for (let i = 0; i < ordinals.length; i++) {
      const stored = ordinals[i] as number;
      if (stored !== EMPTY && stored < ordinal) this.addOrGet(low[i] as number, high[i] as number, stored);
    }
  }

  private grow(): void {
    const { low, high, ordinal } = this;
    const slots = ordinal.length * 2;
    this.low = new Uint32Array(slots);
    this.high = new Uint32Array(slots);
    this.ordinal = new Uint32Array(slots).fill(EMPTY);
    this.used = 0;
    for (let i = 0; i < ordinal.length; i++) {
      if (ordinal[i] !== EMPTY) this.addOrGet(low[i] as number, high[i] as number, ordinal[i] as number);
    }
  }
}
