import type { Index, MetricKind } from 'usearch';
import { loadUsearch } from './native.js';
import { EngineError } from '../errors.js';
import type { BuildInput, IndexEngine, SearchSpec } from './engine.js';

/** One thread: usearch's multi-threaded insertion order (and so the graph) varies run to run. */
const THREADS = 1;

function metricFor(space: SearchSpec['space']): MetricKind {
  const { MetricKind: kinds } = loadUsearch();
  return space === 'ip' ? kinds.IP : kinds.L2sq;
}

function createIndex(dim: number, space: SearchSpec['space'], params: Readonly<Record<string, number | string | boolean>>): Index {
  const usearch = loadUsearch();
  return new usearch.Index({
    dimensions: dim,
    metric: metricFor(space),
    quantization: usearch.ScalarKind.F32,
    connectivity: Number(params.M ?? 16),
    expansion_add: Number(params.efConstruction ?? 128),
    expansion_search: Number(params.efSearch ?? 64),
    multi: false,
  });
}

function open(spec: SearchSpec): Index {
  const index = createIndex(spec.dim, spec.space, spec.params);
  try {
    index.load(spec.path);
  } catch (error) {
    throw new EngineError(`usearch cannot read the index (${(error as Error).message})`, { where: spec.path, cause: error });
  }
  return index;
}

/** usearch: pure npm (prebuilt), HNSW only. Keys are row positions. */
export const usearchEngine: IndexEngine = {
  name: 'usearch',
  types: ['hnsw'],
  extensions: ['.usearch'],
  async build(input: BuildInput) {
    if (input.params.type !== 'hnsw') throw new EngineError(`usearch builds HNSW indexes only, not ${input.params.type}`, { where: input.path });
    const { M, efConstruction, efSearch } = input.params.hnsw;
    const index = createIndex(input.dim, input.space, { M, efConstruction, efSearch });
    const keys = new BigUint64Array(input.count);
    for (let row = 0; row < input.count; row++) keys[row] = BigInt(row);
    if (input.count > 0) index.add(keys, input.data.subarray(0, input.count * input.dim), THREADS);
    index.save(input.path);
    return { type: 'hnsw', params: { M, efConstruction, efSearch, space: input.space } };
  },
  async count(spec) {
    return open(spec).size();
  },
  async search(spec, queries, queryCount, k) {
    const index = open(spec);
    const out = new Int32Array(queryCount * k).fill(-1);
    for (let q = 0; q < queryCount; q++) {
      const matches = index.search(queries.subarray(q * spec.dim, (q + 1) * spec.dim), k, THREADS);
      matches.keys.forEach((key: bigint, i: number) => (out[q * k + i] = Number(key)));
    }
    return out;
  },
};
