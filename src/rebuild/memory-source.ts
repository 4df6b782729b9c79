import { exactSearch } from '../math/top-k.js';
import type { RowBlock, SearchCapability, SearchRequest, SearchResult, SourceDescription, VectorSource } from '../sources/source.js';

/** The rebuilt index's own search: `k` row ids per query, -1 where it found fewer. */
type AnnSearch = (queries: Float32Array, count: number, k: number) => Promise<Int32Array>;

/**
 * Rows held in memory as a VectorSource, optionally searchable through an index: the rebuild checks
 * the vectors it just wrote (and audits its new index against exact search over them) with it.
 */
export class MemorySource implements VectorSource {
  readonly search?: SearchCapability;

  constructor(
    private readonly data: Float32Array,
    private readonly description: SourceDescription,
    annSearch?: AnnSearch,
    exactMetric: 'ip' | 'l2' = 'ip',
  ) {
    if (annSearch) {
      this.search = { query: (request) => this.searchRows(request, annSearch, exactMetric), exactMethod: "the engine's own exact search" };
    }
  }

  private async searchRows(request: SearchRequest, annSearch: AnnSearch, exactMetric: 'ip' | 'l2'): Promise<SearchResult> {
    const { rows, dim } = this.description;
    if (request.exact) {
      const lists = exactSearch({ data: request.queries, count: request.count, dim }, { data: this.data, count: rows, dim }, { metric: exactMetric, k: request.k });
      return { ids: Array.from({ length: request.count }, (_, q) => Array.from(lists.ids.subarray(q * lists.k, (q + 1) * lists.k)).filter((id) => id >= 0)) };
    }
    const found = await annSearch(request.queries, request.count, request.k);
    return { ids: Array.from({ length: request.count }, (_, q) => Array.from(found.subarray(q * request.k, (q + 1) * request.k)).filter((id) => id >= 0)) };
  }

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  async *scan(): AsyncIterable<RowBlock> {
    const { rows, dim } = this.description;
    if (rows > 0) yield { dim, count: rows, data: this.data.subarray(0, rows * dim), start: 0 };
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    const { dim } = this.description;
    const out = new Float32Array(rows.length * dim);
    rows.forEach((row, i) => out.set(this.data.subarray(row * dim, (row + 1) * dim), i * dim));
    return { dim, count: rows.length, data: out, start: rows[0] ?? 0, rows };
  }

  async close(): Promise<void> {}
}
