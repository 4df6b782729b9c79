import type { Metric } from '../core/policy.js';
import { exactSearch, TopKSelector } from '../math/top-k.js';
import type { SearchRequest, SearchResult, VectorSource } from './source.js';

/**
 * Exact top-k over every vector a source stores, one scan block at a time (memory stays at one
 * block whatever the index size): the search of last resort when an engine's own library cannot
 * load its file. `idOf` gives the id search answers with, or undefined for rows search never
 * returns (deleted elements).
 */
export async function exactSearchStored(source: VectorSource, request: SearchRequest, dim: number, metric: Metric, idOf: (row: number) => string | number | bigint | undefined): Promise<SearchResult> {
  const selectors = Array.from({ length: request.count }, () => new TopKSelector(request.k));
  for await (const block of source.scan()) {
    const rowOf = (index: number): number => (block.rows ? (block.rows[index] as number) : block.start + index);
    // Rows search never returns, as a set: the fused kernel skips them without a per-pair callback.
    const unreturnable = new Set<number>();
    for (let index = 0; index < block.count; index++) if (idOf(rowOf(index)) === undefined) unreturnable.add(index);
    const lists = exactSearch({ data: request.queries, count: request.count, dim }, { data: block.data, count: block.count, dim }, { metric, k: request.k, exclude: unreturnable });
    for (let q = 0; q < lists.queries; q++) {
      for (let i = 0; i < lists.k; i++) {
        const index = lists.ids[q * lists.k + i] as number;
        // L2 scores (2q·x − ‖x‖²) and dot products compare across blocks for the same query.
        if (index >= 0) selectors[q]!.offer(rowOf(index), lists.scores[q * lists.k + i] as number);
      }
    }
  }
  const rows = new Int32Array(request.k);
  const scores = new Float32Array(request.k);
  const ids = selectors.map((selector) => {
    selector.write(rows, scores, 0);
    return Array.from(rows)
      .filter((row) => row >= 0)
      .map((row) => idOf(row) as string | number | bigint);
  });
  return { ids };
}
