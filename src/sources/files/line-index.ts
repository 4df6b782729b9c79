import { InputError } from '../../errors.js';
import type { LocalFile } from './local-file.js';

/**
 * No embedding export has lines this long (a 4096-d float64 vector printed in full is ~100 KB;
 * documents stored alongside are rarely more than a few MB). A longer "line" means the file is
 * not line-delimited text, and reading it whole would be a huge allocation.
 */
export const MAX_LINE_BYTES = 64 << 20;
const READ_CHUNK_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Where every non-blank line of a line-delimited file starts, so any row is one positioned read
 * away. Costs 8 bytes per row (a Float64Array: offsets pass 2^32 in files over 4 GiB), i.e.
 * 8 MB per million rows — under 1% of the file for any line holding an embedding.
 */
export class LineIndex {
  private constructor(
    private readonly starts: Float64Array,
    readonly rows: number,
    private readonly fileSize: number,
    /** Rows that follow skipped blank lines, with their physical line number (rare: kept sparse). */
    private readonly jumps: readonly { readonly row: number; readonly line: number }[],
  ) {}

  /** One sequential pass over the file; reads it in chunks, never whole. */
  static build(file: LocalFile, maxLineBytes = MAX_LINE_BYTES): LineIndex {
    let starts = new Float64Array(1024);
    let rows = 0;
    const jumps: { row: number; line: number }[] = [];
    const chunk = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(1, file.size)));
    let line = 1;
    let lineStart = 0;
    let lineHasContent = false;
    let pendingJump = false;
    let position = 0;
    if (file.size >= 3) {
      const head = file.read(0, 3, 'the first bytes');
      if (UTF8_BOM.every((byte, i) => head[i] === byte)) position = lineStart = 3;
    }

    const tooLong = (length: number, soFar: boolean): InputError =>
      new InputError(`line ${line} is ${soFar ? 'over ' : ''}${length} bytes long (the limit is ${maxLineBytes})`, {
        where: file.path,
        byteOffset: lineStart,
        hint: 'this does not look like JSON Lines (one JSON object per line); check the file format',
      });
    const endLine = (end: number): void => {
      if (end - lineStart > maxLineBytes) throw tooLong(end - lineStart, false);
      if (lineHasContent) {
        if (rows === starts.length) {
          const grown = new Float64Array(starts.length * 2);
          grown.set(starts);
          starts = grown;
        }
        if (pendingJump) jumps.push({ row: rows, line });
        starts[rows++] = lineStart;
        pendingJump = false;
      } else {
        pendingJump = true;
      }
      line++;
      lineStart = end + 1;
      lineHasContent = false;
    };

    while (position < file.size) {
      const length = Math.min(chunk.length, file.size - position);
      const bytes = chunk.subarray(0, length);
      file.readInto(bytes, position, 'the JSON lines');
      let from = 0;
      while (from < length) {
        const newline = bytes.indexOf(NEWLINE, from);
        const segmentEnd = newline < 0 ? length : newline;
        if (!lineHasContent) lineHasContent = hasContent(bytes, from, segmentEnd);
        if (newline < 0) break;
        endLine(position + newline);
        from = newline + 1;
      }
      position += length;
      if (position < file.size && position - lineStart > maxLineBytes) throw tooLong(position - lineStart, true);
    }
    if (lineStart < file.size) endLine(file.size);
    return new LineIndex(starts.subarray(0, rows), rows, file.size, jumps);
  }

  start(row: number): number {
    return this.starts[row] as number;
  }

  /**
   * End of the bytes to read for `row` (exclusive): the next row's start, or the end of the file.
   * May include the newline and blank lines after the row; JSON.parse ignores that whitespace.
   */
  end(row: number): number {
    return row + 1 < this.rows ? (this.starts[row + 1] as number) : this.fileSize;
  }

  /** 1-based physical line number of a row (rows skip blank lines). */
  lineNumber(row: number): number {
    let low = 0;
    let high = this.jumps.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.jumps[middle] as { row: number }).row <= row) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0) return row + 1;
    const jump = this.jumps[found] as { row: number; line: number };
    return jump.line + (row - jump.row);
  }
}

/** True when bytes[from, to) hold anything but spaces, tabs and carriage returns. */
function hasContent(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i] as number;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return true;
  }
  return false;
}
