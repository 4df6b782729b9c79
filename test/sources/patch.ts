import assert from 'node:assert/strict';
import { Message } from 'apache-arrow';

/**
 * Builders of corrupt files for the bad-input tests: a valid file with one header field changed,
 * the way a buggy writer or a bit flip would leave it.
 */

/** Thrift compact varint of a zigzag-encoded i64. */
function zigzagVarint(value: number): number[] {
  let rest = BigInt(value) * 2n; // zigzag of a non-negative value
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return bytes;
}

function indexOfBytes(haystack: Uint8Array, needle: readonly number[], from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * A Parquet file whose footer claims `claimed` rows instead of `rows`: FileMetaData.num_rows is
 * field 3 (i64), written right after the schema list as field header 0x16 and a zigzag varint.
 * The footer length in the last 8 bytes is fixed up for the longer varint.
 */
export function patchParquetRowCount(file: Uint8Array, rows: number, claimed: number): Uint8Array {
  const footerLength = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
  const footerStart = file.length - 8 - footerLength;
  const needle = [0x16, ...zigzagVarint(rows)];
  const at = indexOfBytes(file, needle, footerStart);
  assert.ok(at >= 0 && indexOfBytes(file, needle, at + 1) < 0, 'num_rows found exactly once in the footer');
  const replacement = [0x16, ...zigzagVarint(claimed)];
  const out = new Uint8Array(file.length - needle.length + replacement.length);
  out.set(file.subarray(0, at));
  out.set(replacement, at);
  out.set(file.subarray(at + needle.length), at + replacement.length);
  new DataView(out.buffer).setUint32(out.length - 8, footerLength - needle.length + replacement.length, true);
  return out;
}

/**
 * An Arrow IPC file or stream whose first record batch claims `claimed` rows: every int64 equal
 * to the batch's row count inside that message's metadata (the batch length and its field node
 * lengths) is overwritten in place, so no offsets move.
 */
export function patchArrowBatchRows(file: Uint8Array, rows: number, claimed: number): Uint8Array {
  const out = Uint8Array.from(file);
  const view = new DataView(out.buffer);
  const rowsBytes = Array.from(new Uint8Array(new BigInt64Array([BigInt(rows)]).buffer));
  let position = out[0] === 0x41 ? 8 : 0; // skip ARROW1 + padding in the file format
  for (;;) {
    assert.equal(view.getInt32(position, true), -1, 'a continuation marker');
    const length = view.getInt32(position + 4, true);
    const metadata = out.subarray(position + 8, position + 8 + length);
    const message = Message.decode(metadata);
    if (message.isRecordBatch()) {
      let patched = 0;
      for (let at = indexOfBytes(metadata, rowsBytes); at >= 0; at = indexOfBytes(metadata, rowsBytes, at + 8)) {
        view.setBigInt64(position + 8 + at, BigInt(claimed), true);
        patched++;
      }
      assert.ok(patched > 0, 'the record batch row count was found');
      return out;
    }
    position += 8 + length + message.bodyLength;
  }
}
