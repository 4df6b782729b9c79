import { exactSearch } from '../../math/top-k.js';
import { openNpy } from '../../sources/files/npy.js';
import { EngineError } from '../errors.js';
import { writeNpy } from '../../io/npy-writer.js';
import type { IndexEngine, SearchSpec } from './engine.js';

async function readAll(spec: SearchSpec): Promise<{ data: Float32Array; rows: number }> {
  const source = openNpy(spec.path);
  try {
    const { rows, dim } = await source.describe();
    if (dim !== spec.dim) throw new EngineError(`vectors have ${dim} dimensions, the manifest says ${spec.dim}`, { where: spec.path });
    const data = new Float32Array(rows * dim);
    for await (const block of source.scan()) data.set(block.data, block.start * dim);
    return { data, rows };
  } finally {
    await source.close();
  }
}

/** "Flat" as a plain .npy of the cleaned rows: exact search, readable by everything (numpy, this tool). */
export const numpyEngine: IndexEngine = {
  name: 'numpy',
  types: ['flat'],
  extensions: ['.npy'],
  async build(input) {
    writeNpy(input.path, input.data, input.count, input.dim);
    return { type: 'flat', params: { space: input.space } };
  },
  async count(spec) {
    const source = openNpy(spec.path);
    try {
      return (await source.describe()).rows;
    } finally {
      await source.close();
    }
  },
  async search(spec, queries, queryCount, k) {
    const { data, rows } = await readAll(spec);
    const lists = exactSearch({ data: queries, count: queryCount, dim: spec.dim }, { data, count: rows, dim: spec.dim }, { metric: spec.space, k });
    const out = new Int32Array(queryCount * k).fill(-1);
    for (let q = 0; q < queryCount; q++) out.set(lists.ids.subarray(q * lists.k, (q + 1) * lists.k), q * k);
    return out;
  },
};
