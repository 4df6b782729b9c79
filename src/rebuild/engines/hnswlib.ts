import { EngineError } from '../errors.js';
import type { HierarchicalNSW } from 'hnswlib-node';
import type { BuildInput, IndexEngine, SearchSpec } from './engine.js';
import { loadHnswlib } from './native.js';

/** hnswlib's default seed: fixed so the same rows build the same graph. */
const RANDOM_SEED = 100;

function open(spec: SearchSpec): HierarchicalNSW {
  const index = new (loadHnswlib().HierarchicalNSW)(spec.space, spec.dim);
  try {
    index.readIndexSync(spec.path);
  } catch (error) {
    throw new EngineError(`hnswlib cannot read the index (${(error as Error).message})`, { where: spec.path, cause: error });
  }
  return index;
}

/** hnswlib-node: pure npm, HNSW only. Labels are row positions. */
export const hnswlibEngine: IndexEngine = {
  name: 'hnswlib',
  types: ['hnsw'],
  extensions: ['.hnsw', '.hnswlib', '.bin'],
  async build(input: BuildInput) {
    if (input.params.type !== 'hnsw') throw new EngineError(`hnswlib builds HNSW indexes only, not ${input.params.type}`, { where: input.path });
    const { M, efConstruction, efSearch } = input.params.hnsw;
    const index = new (loadHnswlib().HierarchicalNSW)(input.space, input.dim);
    index.initIndex(Math.max(1, input.count), M, efConstruction, RANDOM_SEED);
    // The binding takes plain arrays only: one reused array, refilled per row, avoids an allocation per row.
    const point: number[] = new Array(input.dim).fill(0);
    for (let row = 0; row < input.count; row++) {
      const base = row * input.dim;
      for (let j = 0; j < input.dim; j++) point[j] = input.data[base + j] as number;
      index.addPoint(point, row);
    }
    index.writeIndexSync(input.path);
    return { type: 'hnsw', params: { M, efConstruction, efSearch, space: input.space } };
  },
  async count(spec) {
    return open(spec).getCurrentCount();
  },
  async search(spec, queries, queryCount, k) {
    const index = open(spec);
    index.setEf(Math.max(k, Number(spec.params.efSearch ?? k)));
    const out = new Int32Array(queryCount * k).fill(-1);
    const point: number[] = new Array(spec.dim).fill(0);
    const kk = Math.min(k, index.getCurrentCount());
    for (let q = 0; q < queryCount; q++) {
      for (let j = 0; j < spec.dim; j++) point[j] = queries[q * spec.dim + j] as number;
      const { neighbors } = index.searchKnn(point, kk);
      // hnswlib returns nearest first.
      neighbors.forEach((label, i) => (out[q * k + i] = label));
    }
    return out;
  },
};
