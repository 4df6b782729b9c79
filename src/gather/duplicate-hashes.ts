/**
 * Exact duplicate rows in bounded memory. Every row's content hash is kept while the table is
 * small; past `capacity` only hashes with k low zero bits are kept (k grows as needed). Copies
 * share a hash, so a kept hash keeps all its copies: the duplicate count measured on the kept
 * hashes, divided by the keep rate, is an unbiased estimate (exact while the rate is 1).
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
  /** Largest groups among the kept hashes, biggest first. */
  readonly largestGroups: readonly DuplicateGroup[];
}

const ROWS_KEPT_PER_GROUP = 5;

export class DuplicateHashes {
  /** key → first row number, for hashes seen once. */
  private readonly singles = new Map<number, number>();
  /** key → group, for hashes seen more than once. */
  private readonly repeated = new Map<number, { size: number; rows: number[] }>();
  private shift = 0;
  private rowsHashed = 0;

  constructor(private readonly capacity = 1 << 19) {}

  add(hashLow: number, hashHigh: number, row: number): void {
    this.rowsHashed++;
    // 53-bit key: all of the high word and the top 21 bits of the low word.
    const key = (hashHigh >>> 0) * 2097152 + (hashLow >>> 11);
    if (!this.keeps(key)) return;
    const group = this.repeated.get(key);
    if (group) {
      group.size++;
      if (group.rows.length < ROWS_KEPT_PER_GROUP) group.rows.push(row);
      return;
    }
    const first = this.singles.get(key);
    if (first !== undefined) {
      this.singles.delete(key);
      this.repeated.set(key, { size: 2, rows: [first, row] });
      return;
    }
    this.singles.set(key, row);
    if (this.singles.size + this.repeated.size > this.capacity) this.thin();
  }

  summary(): DuplicateSummary {
    const keepRate = 1 / 2 ** this.shift;
    let duplicates = 0;
    for (const group of this.repeated.values()) duplicates += group.size - 1;
    const largestGroups = [...this.repeated.values()]
      .sort((a, b) => b.size - a.size)
      .slice(0, 10)
      .map((group) => ({ size: group.size, rows: group.rows.slice() }));
    return {
      rowsHashed: this.rowsHashed,
      keepRate,
      duplicateRows: Math.round(duplicates / keepRate),
      groups: Math.round(this.repeated.size / keepRate),
      largestGroups,
    };
  }

  /** Halve the keep rate: drop every kept hash whose next low bit is set. */
  private thin(): void {
    this.shift++;
    for (const key of this.singles.keys()) if (!this.keeps(key)) this.singles.delete(key);
    for (const key of this.repeated.keys()) if (!this.keeps(key)) this.repeated.delete(key);
  }

  /** A key is kept when its `shift` lowest bits are zero (bitwise ops would truncate 53-bit keys). */
  private keeps(key: number): boolean {
    return this.shift === 0 || key % 2 ** this.shift === 0;
  }
}
