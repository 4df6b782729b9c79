import type { RowBlock, RowIssue } from '../source.js';

/**
 * Collects decoded rows (and the rows that could not be decoded) into one RowBlock, for readers
 * whose rows can fail one by one: JSON arrays of the wrong length, null list cells.
 */
export class RowBlockBuilder {
  private data: Float32Array;
  private readonly rowNumbers: number[] = [];
  private readonly issues: RowIssue[] = [];
  private first: number | undefined;

  constructor(
    readonly dim: number,
    capacityRows: number,
  ) {
    this.data = new Float32Array(Math.max(1, capacityRows) * dim);
  }

  get count(): number {
    return this.rowNumbers.length;
  }

  /** Where the next `rows` accepted rows' values go; call `accept` once they are written. */
  slot(rows = 1): { readonly out: Float32Array; readonly offset: number } {
    const offset = this.rowNumbers.length * this.dim;
    const needed = offset + rows * this.dim;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, needed));
      grown.set(this.data);
      this.data = grown;
    }
    return { out: this.data, offset };
  }

  /** Rows row, row+1, … (count of them) were written at the slot. */
  accept(row: number, count = 1): void {
    this.first ??= row;
    for (let i = 0; i < count; i++) this.rowNumbers.push(row + i);
  }

  reject(issue: RowIssue): void {
    this.first ??= issue.row;
    this.issues.push(issue);
  }

  /** Every row offered so far, accepted or rejected. */
  get offered(): number {
    return this.rowNumbers.length + this.issues.length;
  }

  /**
   * The block. `rows` is listed whenever the accepted rows are not one contiguous run starting at
   * the first row offered (a rejected row leaves a gap) or when `listRows` asks for it.
   */
  finish(listRows = false): RowBlock {
    const count = this.rowNumbers.length;
    const start = this.first ?? 0;
    const contiguous = this.issues.length === 0 && (count === 0 || this.rowNumbers[count - 1] === start + count - 1);
    return {
      dim: this.dim,
      count,
      data: this.data.subarray(0, count * this.dim),
      start: this.rowNumbers[0] ?? start,
      ...(listRows || !contiguous ? { rows: this.rowNumbers } : {}),
      ...(this.issues.length ? { issues: this.issues } : {}),
    };
  }
}
