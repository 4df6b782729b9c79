import type { UsearchLayout } from './layout.js';

/** usearch's own search through the `usearch` npm package, memory-mapping the file (`view`). */
export interface UsearchLibrary {
  /** Per query, the keys of the k nearest vectors, best first. */
  search(queries: Float32Array, count: number, k: number, expansion: number): bigint[][];
}

export type UsearchLoad = { readonly library: UsearchLibrary } | { readonly reason: string };

/** usearch's default expansion_search (index.hpp default_expansion_search): not stored in the file. */
export const USEARCH_DEFAULT_EXPANSION = 64;

export async function loadUsearchLibrary(path: string, layout: UsearchLayout): Promise<UsearchLoad> {
  let usearch: typeof import('usearch');
  try {
    usearch = await import('usearch');
  } catch (error) {
    return { reason: `the usearch package is not usable here (${error instanceof Error ? error.message : String(error)})` };
  }
  // expansion_search is fixed when an Index is constructed: one mapped view per setting.
  const views = new Map<number, InstanceType<typeof usearch.Index>>();
  const open = (expansion: number): InstanceType<typeof usearch.Index> => {
    let index = views.get(expansion);
    if (!index) {
      index = new usearch.Index({
        dimensions: layout.dim,
        metric: layout.metric as never,
        quantization: layout.scalar.name as never,
        connectivity: layout.connectivity,
        expansion_add: 0,
        expansion_search: expansion,
        multi: layout.multi,
      });
      index.view(path);
      views.set(expansion, index);
    }
    return index;
  };
  try {
    open(USEARCH_DEFAULT_EXPANSION);
  } catch (error) {
    return { reason: `usearch could not load the file (${error instanceof Error ? error.message : String(error)})` };
  }
  return {
    library: {
      search(queries, count, k, expansion) {
        const index = open(expansion);
        const results: bigint[][] = [];
        for (let q = 0; q < count; q++) {
          const matches = index.search(queries.subarray(q * layout.dim, (q + 1) * layout.dim), k, 0);
          results.push(Array.from(matches.keys));
        }
        return results;
      },
    },
  };
}
