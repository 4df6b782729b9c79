import { readFileSync, writeFileSync } from 'node:fs';
import { npyHeader } from '../../src/io/npy-writer.js';

/** Write a C-order .npy (v1.0) file: what numpy.save writes for a 2-D array of `descr` values. */
export function writeNpy(path: string, data: Float32Array | Uint16Array | Float64Array, rows: number, dim: number, descr = '<f4'): void {
  writeFileSync(path, Buffer.concat([npyHeader(rows, dim, descr), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]));
}

/** Read a float32 .npy written by numpy (v1 header), for building test variants from real data. */
export function readNpyF32(path: string): { data: Float32Array; rows: number; dim: number } {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape || !header.includes("'<f4'")) throw new Error(`not a 2-D float32 npy: ${path}`);
  const rows = Number(shape[1]);
  const dim = Number(shape[2]);
  const start = 10 + headerLength;
  const data = new Float32Array(rows * dim);
  new Uint8Array(data.buffer).set(bytes.subarray(start, start + rows * dim * 4));
  return { data, rows, dim };
}
