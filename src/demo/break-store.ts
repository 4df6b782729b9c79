import { readFileSync, writeFileSync } from 'node:fs';
import { Rng } from '../math/rng.js';

/** What the broken demo copy suffers from, so the demo can say what it planted. */
export interface PlantedFaults {
  readonly zeroRows: number;
  readonly nanRows: number;
  readonly rawShardStart: number;
  readonly rawShardRows: number;
  readonly boilerplateCopies: number;
}

/**
 * Write a broken copy of a float32 .npy store, with the faults real stores pick up: failed
 * embedding calls written as zeros, a NaN from dividing by a zero norm, a backfill shard written
 * without normalization, and one boilerplate chunk ingested many times.
 */
export function writeBrokenCopy(sourcePath: string, targetPath: string, seed = 8): PlantedFaults {
  const bytes = readFileSync(sourcePath);
  const headerLength = bytes.readUInt16LE(8);
  const dataOffset = 10 + headerLength;
  const header = bytes.subarray(10, dataOffset).toString('latin1');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape) throw new Error(`${sourcePath}: expected a 2-D .npy array`);
  const rows = Number(shape[1]);
  const dim = Number(shape[2]);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataOffset, bytes.byteOffset + dataOffset + rows * dim * 4));
  const rng = new Rng(seed);
  const faults = { zeroRows: 9, nanRows: 2, rawShardStart: Math.floor(rows * 0.8), rawShardRows: rows - Math.floor(rows * 0.8), boilerplateCopies: Math.floor(rows * 0.05) };

  // The backfill shard: the last 20% of rows scaled back to raw fastText norms (~0.5–0.75).
  for (let row = faults.rawShardStart; row < rows; row++) {
    const scale = 0.5 + 0.25 * rng.nextFloat();
    for (let j = 0; j < dim; j++) data[row * dim + j] = (data[row * dim + j] as number) * scale;
  }
  // One boilerplate chunk ("cookie banner") copied over 5% of the rows.
  const boilerplate = data.slice(3 * dim, 4 * dim);
  for (let copy = 0; copy < faults.boilerplateCopies; copy++) data.set(boilerplate, (10 + copy * 11) * dim);
  for (let n = 0; n < faults.zeroRows; n++) data.fill(0, (41 + n * 97) * dim, (42 + n * 97) * dim);
  for (let n = 0; n < faults.nanRows; n++) data[(500 + n * 700) * dim + 5] = NaN;

  const out = Buffer.concat([bytes.subarray(0, dataOffset), Buffer.from(data.buffer)]);
  writeFileSync(targetPath, out);
  return faults;
}
