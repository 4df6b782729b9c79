import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { IvfDescription } from '../sources/source.js';
import { validSample } from './valid-sample.js';

/** Sampled rows of an IVF index with the list each one is stored in, in the quantizer's geometry. */
export interface IvfSample {
  readonly ivf: IvfDescription;
  readonly dim: number;
  readonly count: number;
  /** Sampled row vectors (directions, i.e. unit length, when the quantizer ranks by inner product). */
  readonly vectors: Float32Array;
  /** List of each sampled row. */
  readonly lists: Int32Array;
  /** Centroids in the same geometry (unit length for inner product). */
  readonly centroids: Float32Array;
  /** 'ip': geometry of directions (the quantizer picks the centroid of largest inner product); 'l2': positions. */
  readonly geometry: 'ip' | 'l2';
}

/**
 * The valid sampled rows of an IVF source with their list, when the source numbers rows list by
 * list and exposes its centroids (FAISS files do); undefined otherwise.
 */
export function ivfSample(artifacts: Artifacts, context: CheckContext): IvfSample | undefined {
  return context.memo('ivf-sample', () => {
    const ivf = artifacts.index?.ivf;
    if (!ivf?.rowsByList || !ivf.centroids || (ivf.metric !== 'ip' && ivf.metric !== 'l2')) return undefined;
    const sample = validSample(artifacts, context);
    const dim = sample.dim;
    if (ivf.centroids.length !== ivf.nlist * dim) return undefined;
    const listEnds = new Float64Array(ivf.nlist);
    let total = 0;
    for (let list = 0; list < ivf.nlist; list++) {
      total += Number(ivf.listSizes[list]);
      listEnds[list] = total;
    }
    const lists = new Int32Array(sample.count);
    for (let i = 0; i < sample.count; i++) lists[i] = listOf(listEnds, sample.rows[i] as number);
    const geometry = ivf.metric;
    return {
      ivf,
      dim,
      count: sample.count,
      vectors: geometry === 'ip' ? unitRows(sample.data, sample.count, dim) : sample.data,
      lists,
      centroids: geometry === 'ip' ? unitRows(ivf.centroids, ivf.nlist, dim) : ivf.centroids,
      geometry,
    };
  });
}

/** First list whose cumulative end lies beyond `row` (binary search). */
function listOf(listEnds: Float64Array, row: number): number {
  let low = 0;
  let high = listEnds.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((listEnds[mid] as number) > row) high = mid;
    else low = mid + 1;
  }
  return low;
}

function unitRows(data: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (data[i * dim + j] as number) ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j] = (data[i * dim + j] as number) * scale;
  }
  return out;
}
