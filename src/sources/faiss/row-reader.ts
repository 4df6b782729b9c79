import type { LocalFile } from '../files/local-file.js';
import { readSegmentRows, segmentOf, segmentRows, type RowLayout } from './row-layout.js';

/** Rows closer than this (in bytes) are read with one read instead of two. */
const COALESCE_GAP_BYTES = 16 << 10;
/** Rows decoded per read when streaming: about 8 MB of float32 output at d = 512. */
const STREAM_BLOCK_ROWS = 4096;
/** Raw bytes of one read are staged in a reused buffer up to this size. */
const SCRATCH_BYTES = 1 << 20;

export interface DecodedBlock {
  readonly data: Float32Array;
  readonly start: number;
  readonly count: number;
}

/** Decoded rows of a FAISS index: streamed in row order, picked by row number, or all at once. */
export class RowReader {
  private everything: Float32Array | undefined;
  private readonly scratch = new Uint8Array(SCRATCH_BYTES);

  constructor(
    private readonly file: LocalFile,
    readonly layout: RowLayout,
  ) {}

  /** Every row decoded (kept after the first call), or undefined when rows × dim exceeds `maxFloats`. */
  all(maxFloats: number): Float32Array | undefined {
    if (this.everything) return this.everything;
    const { rows, dim } = this.layout;
    if (rows * dim > maxFloats) return undefined;
    const out = new Float32Array(rows * dim);
    for (const block of this.blocks()) out.set(block.data, block.start * dim);
    this.everything = out;
    return out;
  }

  /** Rows in order, at most `blockRows` per block, never crossing a segment (an IVF list). */
  *blocks(blockRows = STREAM_BLOCK_ROWS, signal?: AbortSignal): Generator<DecodedBlock> {
    const { dim } = this.layout;
    const buffer = new Float32Array(Math.min(blockRows, Math.max(1, this.layout.rows)) * dim);
    for (let s = 0; s < this.layout.segmentStart.length; s++) {
      const rows = segmentRows(this.layout, s);
      for (let first = 0; first < rows; first += blockRows) {
        signal?.throwIfAborted();
        const count = Math.min(blockRows, rows - first);
        readSegmentRows(this.file, this.layout, { segment: s, first, count, out: buffer, scratch: this.scratch });
        yield { data: buffer.subarray(0, count * dim), start: (this.layout.segmentStart[s] as number) + first, count };
      }
    }
  }

  /** The rows of segment `s` (one IVF list), in blocks. */
  *segmentBlocks(s: number, blockRows = STREAM_BLOCK_ROWS): Generator<DecodedBlock> {
    const { dim } = this.layout;
    const rows = segmentRows(this.layout, s);
    const buffer = new Float32Array(Math.min(blockRows, Math.max(1, rows)) * dim);
    for (let first = 0; first < rows; first += blockRows) {
      const count = Math.min(blockRows, rows - first);
      readSegmentRows(this.file, this.layout, { segment: s, first, count, out: buffer, scratch: this.scratch });
      yield { data: buffer.subarray(0, count * dim), start: (this.layout.segmentStart[s] as number) + first, count };
    }
  }

  /** The given rows (ascending, distinct, in range), decoded in that order. */
  read(rowNumbers: readonly number[]): Float32Array {
    const { dim, codec } = this.layout;
    const out = new Float32Array(rowNumbers.length * dim);
    let i = 0;
    while (i < rowNumbers.length) {
      const first = rowNumbers[i] as number;
      const s = segmentOf(this.layout, first);
      const segmentStart = this.layout.segmentStart[s] as number;
      const segmentEnd = segmentStart + segmentRows(this.layout, s);
      // Coalesce nearby rows of the same segment into one read.
      let j = i + 1;
      while (j < rowNumbers.length && (rowNumbers[j] as number) < segmentEnd && ((rowNumbers[j] as number) - (rowNumbers[j - 1] as number) - 1) * codec.codeSize < COALESCE_GAP_BYTES) {
        j++;
      }
      const last = rowNumbers[j - 1] as number;
      const span = last - first + 1;
      if (span === j - i) {
        readSegmentRows(this.file, this.layout, { segment: s, first: first - segmentStart, count: span, out, outOffset: i * dim, scratch: this.scratch });
      } else {
        const decoded = new Float32Array(span * dim);
        readSegmentRows(this.file, this.layout, { segment: s, first: first - segmentStart, count: span, out: decoded, scratch: this.scratch });
        for (let k = i; k < j; k++) {
          const offset = ((rowNumbers[k] as number) - first) * dim;
          out.set(decoded.subarray(offset, offset + dim), k * dim);
        }
      }
      i = j;
    }
    return out;
  }
}
