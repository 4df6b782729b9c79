import type { RowBlock } from '../sources/source.js';
import type { VectorSample } from './artifacts.js';

/**
 * Copies the sampled rows out of scan blocks (which reuse their buffers). A worker thread of a
 * parallel scan writes its share straight into the shared sample array, starting at `offset` rows.
 */
export class SampleCollector {
  /** Sampled rows actually copied: rows the reader could not decode are left out. */
  readonly taken: number[] = [];
  private next = 0;

  constructor(
    private readonly rows: readonly number[],
    private readonly dim: number,
    private readonly data: Float32Array = new Float32Array(rows.length * dim),
    private readonly offset = 0,
  ) {}

  take(block: RowBlock): void {
    const wanted = this.rows;
    if (!block.rows) {
      // Contiguous block: jump straight to the wanted rows inside it.
      const end = block.start + block.count;
      while (this.next < wanted.length && (wanted[this.next] as number) < end) {
        const row = wanted[this.next++] as number;
        if (row >= block.start) this.copy(block, row - block.start, row);
      }
      return;
    }
    for (let i = 0; i < block.count && this.next < wanted.length; i++) {
      const row = block.rows[i] as number;
      while (this.next < wanted.length && (wanted[this.next] as number) < row) this.next++;
      if (wanted[this.next] === row) {
        this.copy(block, i, row);
        this.next++;
      }
    }
  }

  finish(): VectorSample {
    const count = this.taken.length;
    return { dim: this.dim, count, rows: this.taken, data: this.data.subarray(0, count * this.dim) };
  }

  private copy(block: RowBlock, index: number, row: number): void {
    const at = (this.offset + this.taken.length) * this.dim;
    this.data.set(block.data.subarray(index * this.dim, (index + 1) * this.dim), at);
    this.taken.push(row);
  }
}
