import type { HierarchicalNSW } from 'hnswlib-node';
import type { Metric } from '../../core/policy.js';

/**
 * hnswlib's own search path through hnswlib-node (`readIndexSync`, `setEf`, `searchKnn`): the
 * graph walk users get, so its recall is the recall they get.
 */
export interface HnswlibLibrary {
  /** Per query, the labels of the k nearest elements, best first. */
  search(queries: Float32Array, count: number, dim: number, k: number, ef: number): number[][];
}

export type LibraryLoad = { readonly library: HnswlibLibrary } | { readonly reason: string };

/**
 * hnswlib's default query-time ef (`ef_ = 10` in loadIndex) — what LangChain.js and anyone who never
 * calls setEf searches with. searchKnn uses max(ef, k) candidates.
 */
export const HNSWLIB_DEFAULT_EF = 10;

export async function loadHnswlibLibrary(path: string, space: Metric, dim: number): Promise<LibraryLoad> {
  let module: typeof import('hnswlib-node');
  try {
    module = (await import('hnswlib-node')).default;
  } catch (error) {
    return { reason: `hnswlib-node is not usable here (${error instanceof Error ? error.message : String(error)})` };
  }
  let index: HierarchicalNSW;
  try {
    index = new module.HierarchicalNSW(space, dim);
    index.readIndexSync(path);
  } catch (error) {
    return { reason: `hnswlib-node could not load the file (${error instanceof Error ? error.message : String(error)})` };
  }
  return {
    library: {
      search(queries, count, queryDim, k, ef) {
        index.setEf(ef);
        const results: number[][] = [];
        const point = new Array<number>(queryDim);
        for (let q = 0; q < count; q++) {
          for (let j = 0; j < queryDim; j++) point[j] = queries[q * queryDim + j] as number;
          results.push(index.searchKnn(point, k).neighbors);
        }
        return results;
      },
    },
  };
}
