import type { IvfNode } from '../index-tree.js';
import type { RowReader } from '../row-reader.js';
import { nearestCentroids, QueryTopK, type SearchMetric } from './scoring.js';

/**
 * FAISS's IVF search: each query probes the `nprobe` lists whose centroids the coarse quantizer
 * ranks first (exact search over the centroids, as IndexFlat quantizers do), then scans those lists.
 * List entries are scored on their decoded vectors: for IVFFlat these are the stored vectors; for
 * IVFPQ/IVFSQ with residuals, q·(c + r̂) and ‖q − (c + r̂)‖² are exactly what FAISS's
 * asymmetric distance tables compute, so the ranking is FAISS's up to float rounding.
 */
export class IvfSearcher {
  /** Segment (row run) of each non-empty list. */
  private readonly segmentOfList: Int32Array;

  constructor(
    private readonly node: IvfNode,
    private readonly rows: RowReader,
    private readonly centroids: Float32Array,
    private readonly metric: SearchMetric,
    private readonly quantizerMetric: SearchMetric,
  ) {
    this.segmentOfList = new Int32Array(node.nlist).fill(-1);
    rows.layout.segmentList.forEach((list, s) => {
      this.segmentOfList[list] = s;
    });
  }

  search(queries: Float32Array, count: number, k: number, nprobe: number): number[][] {
    const { nlist } = this.node;
    const dim = this.node.header.d;
    const top = new QueryTopK(this.metric, queries, count, dim, k);
    if (nlist === 0 || this.rows.layout.rows === 0) return top.results();
    const probes = nearestCentroids(this.quantizerMetric, { data: queries, count, dim }, { data: this.centroids, count: nlist, dim }, Math.max(1, nprobe));
    // Scan each probed list once for all the queries that probe it.
    const queriesByList = new Map<number, number[]>();
    probes.forEach((lists, query) => {
      for (const list of lists) {
        const queriesOfList = queriesByList.get(list);
        if (queriesOfList) queriesOfList.push(query);
        else queriesByList.set(list, [query]);
      }
    });
    for (const [list, queryIndices] of [...queriesByList.entries()].sort((a, b) => a[0] - b[0])) {
      const segment = this.segmentOfList[list] as number;
      if (segment < 0) continue;
      for (const block of this.rows.segmentBlocks(segment)) top.offer(block.data, block.count, block.start, queryIndices);
    }
    return top.results();
  }
}
