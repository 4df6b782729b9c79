import { readFileSync, writeFileSync } from 'node:fs';

/** Write a C-order .npy (v1.0) file: what numpy.save writes for a 2-D array. */
export function writeNpy(path: string, data: Float32Array | Uint16Array | Float64Array, rows: number, dim: number, descr = '<f4'): void {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const preamble = 10;
  const padded = Math.ceil((preamble + header.length + 1) / 64) * 64 - preamble;
  const headerText = header.padEnd(padded - 1, ' ') + '\n';
  const out = Buffer.alloc(preamble + padded + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out.writeUInt16LE(padded, 8);
  out.write(headerText, preamble, 'latin1');
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), preamble + padded);
  writeFileSync(path, out);
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
