import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readIvfMessage } from './index-file.js';

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-lance-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function varint(value: number): number[] {
  const bytes: number[] = [];
  do {
    bytes.push((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value > 0);
  return bytes;
}
const lengthDelimited = (field: number, body: number[]): number[] => [...varint(field * 8 + 2), ...varint(body.length), ...body];
const text = (value: string): number[] => [...new TextEncoder().encode(value)];

/** A Lance v2 file: global buffers, their offset table, and the 40-byte footer. */
function lanceFile(buffers: number[][]): Uint8Array {
  const body: number[] = [];
  const positions: [number, number][] = [];
  for (const buffer of buffers) {
    positions.push([body.length, buffer.length]);
    body.push(...buffer);
  }
  const tableStart = body.length;
  const table = new DataView(new ArrayBuffer(positions.length * 16));
  positions.forEach(([position, size], i) => {
    table.setBigUint64(i * 16, BigInt(position), true);
    table.setBigUint64(i * 16 + 8, BigInt(size), true);
  });
  const footer = new DataView(new ArrayBuffer(40));
  footer.setBigUint64(16, BigInt(tableStart), true);
  footer.setUint32(24, buffers.length, true);
  footer.setUint16(32, 2, true);
  footer.setUint16(34, 1, true);
  new TextEncoder().encodeInto('LANC', new Uint8Array(footer.buffer, 36, 4));
  return new Uint8Array([...body, ...new Uint8Array(table.buffer), ...new Uint8Array(footer.buffer)]);
}

test('partition lengths and float32 centroids come out of the lance:ivf global buffer', () => {
  const centroids = new Float32Array([1, 0, 0, 1, -1, 0]);
  const tensor = [...[8, 2], ...lengthDelimited(2, [...varint(3), ...varint(2)]), ...lengthDelimited(3, [...new Uint8Array(centroids.buffer)])];
  const ivf = [...lengthDelimited(2, [0, ...varint(300), ...varint(450)]), ...lengthDelimited(3, [...varint(300), ...varint(150), ...varint(700)]), ...lengthDelimited(4, tensor)];
  const metadata = lengthDelimited(5, [...lengthDelimited(1, text('lance:ivf')), ...lengthDelimited(2, text('1'))]);
  const descriptor = lengthDelimited(1, metadata);
  const path = join(dir, 'index.idx');
  writeFileSync(path, lanceFile([descriptor, ivf]));
  const parsed = readIvfMessage(path);
  assert.deepEqual(parsed?.lengths, [300, 150, 700]);
  assert.equal(parsed?.dim, 2);
  assert.deepEqual(Array.from(parsed?.centroids ?? []), Array.from(centroids));
});

test('files that are not Lance v2, or have no IVF buffer, give nothing instead of garbage', () => {
  const plain = join(dir, 'plain.idx');
  writeFileSync(plain, new Uint8Array(100).fill(7));
  assert.equal(readIvfMessage(plain), undefined);
  const noIvf = join(dir, 'no-ivf.idx');
  writeFileSync(noIvf, lanceFile([lengthDelimited(1, [])]));
  assert.equal(readIvfMessage(noIvf), undefined);
});

test('a truncated message is an error, not an out-of-bounds read', () => {
  const descriptor = lengthDelimited(1, lengthDelimited(5, [...lengthDelimited(1, text('lance:ivf')), ...lengthDelimited(2, text('1'))]));
  const broken = join(dir, 'broken.idx');
  writeFileSync(broken, lanceFile([descriptor, [0x1a, 0x7f, 0x01]]));
  assert.throws(() => readIvfMessage(broken), /runs past its message/);
});
