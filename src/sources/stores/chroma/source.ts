import type { Collection } from 'chromadb';
import type { Metric } from '../../../core/policy.js';
import { UsageError } from '../../../errors.js';
import { ExactTopKStream } from '../../../math/streaming-top-k.js';
import { SearchBudgetExceeded } from '../../search-budget.js';
import { normToleranceFor } from '../../files/norm-tolerance.js';
import type { FilteredSearch, IndexDescription, RowBlock, ScanOptions, SearchRequest, SearchResult, SourceDescription } from '../../source.js';
import { StoreRowCollector, StoreSource } from '../store-source.js';
import type { RequestClock } from '../../../engines/chroma/request-timeout.js';
import { chromaFilteredSearch } from './filtered-search.js';

/** Rows per get() page: Chroma's own default batch is of this order. */
const PAGE_ROWS = 1000;
/** Sampled rows closer than this are fetched in one page rather than two. */
const COALESCE_GAP = 200;
/** Chroma's space names → vectorclinic metrics (its 'l2' is squared L2: the same ranking). */
const METRICS: Readonly<Record<string, Metric>> = { l2: 'l2', cosine: 'cosine', ip: 'ip' };
/** Chroma's defaults for collections created without a configuration. */
const DEFAULT_SPACE = 'l2';
const DEFAULT_EF_SEARCH = 100;

/**
 * A Chroma collection read through its HTTP API: offset pages, HNSW queries, and, since Chroma has
 * no exact search, every embedding paged through once and searched client-side for the exact answer.
 */
export class ChromaSource extends StoreSource {
  private readonly metric: Metric;
  private dim = 0;
  readonly filteredSearch: FilteredSearch;

  constructor(
    private readonly collection: Collection,
    target: string,
    /** Every request raced against a timeout (a server that accepts but never answers fails fast). */
    private readonly clock?: RequestClock,
    private readonly describeError?: (error: unknown) => { readonly what: string; readonly hint?: string } | undefined,
  ) {
    super(target);
    this.metric = METRICS[this.space()] ?? 'l2';
    // Every Chroma collection is HNSW-indexed; ef_search is fixed per collection (changing it is a write), so there is no sweep.
    this.search = {
      query: (request) => this.guard('query the collection', () => this.searchCollection(request)),
      tuning: { name: 'hnsw ef_search (collection configuration)', current: this.efSearch(), sweep: [] },
    };
    this.filteredSearch = chromaFilteredSearch({
      collection,
      metric: this.metric,
      target,
      dimension: async () => (await this.describe()).dim,
      rows: async () => (await this.describe()).rows,
      guard: (action, work) => this.guard(action, work),
    });
  }

  protected async load(): Promise<SourceDescription> {
    const rows = await this.guard('count records', () => this.collection.count());
    this.dim = rows > 0 ? await this.guard('read the dimension', () => this.firstDimension()) : 0;
    const bytes = rows * this.dim * 4;
    // Exact search pages through every embedding: offered once the collection is known to hold some.
    if (rows > 0 && this.search) this.search = { ...this.search, exactMethod: `brute force over all ${rows} embeddings, paged through once and searched client-side` };
    const configuration = this.collection.configuration?.hnsw ?? {};
    const index: IndexDescription = {
      engine: 'chroma',
      type: 'hnsw',
      metric: this.metric,
      metricSource: 'index',
      normalizesInput: this.metric === 'cosine',
      trained: true,
      ntotal: rows,
      params: {
        space: this.space(),
        ef_search: this.efSearch(),
        ...(typeof configuration.ef_construction === 'number' ? { ef_construction: configuration.ef_construction } : {}),
        ...(typeof configuration.max_neighbors === 'number' ? { max_neighbors: configuration.max_neighbors } : {}),
      },
    };
    return {
      kind: 'chroma',
      target: this.target,
      rows,
      rowsExact: true,
      dim: this.dim,
      // Chroma stores float32 embeddings.
      storage: { type: 'float32', bytes, lossy: false },
      normTolerance: normToleranceFor('float32', this.dim),
      local: false,
      index,
      notes: [`Chroma collection ${this.collection.name}, hnsw space ${this.space()}, ef_search ${this.efSearch()}`],
    };
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    await this.describe();
    const collector = new StoreRowCollector(this.dim, rows.length);
    let i = 0;
    while (i < rows.length) {
      // One page covers a run of nearby rows: fewer round trips for dense samples.
      let j = i + 1;
      const first = rows[i] as number;
      while (j < rows.length && (rows[j] as number) - (rows[j - 1] as number) <= COALESCE_GAP && (rows[j] as number) - first < PAGE_ROWS) j++;
      const last = rows[j - 1] as number;
      const page = await this.page(first, last - first + 1);
      for (let k = i; k < j; k++) {
        const row = rows[k] as number;
        const embedding = page.embeddings[row - first];
        if (embedding) collector.add(row, embedding);
      }
      i = j;
    }
    return collector.finish();
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { rows } = await this.describe();
    for (let start = 0; start < rows; start += PAGE_ROWS) {
      options.signal?.throwIfAborted();
      const page = await this.page(start, Math.min(PAGE_ROWS, rows - start));
      const collector = new StoreRowCollector(this.dim, page.embeddings.length);
      page.embeddings.forEach((embedding, i) => {
        if (embedding) collector.add(start + i, embedding);
      });
      yield collector.finish();
    }
  }

  /** Document ids among `ids` the collection holds (Chroma's search answers in its own ids). */
  async knownDocumentIds(ids: readonly string[]): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    const found = new Set<string>();
    for (let start = 0; start < wanted.length; start += PAGE_ROWS) {
      const result = await this.guard('look up ids', () => this.collection.get({ ids: wanted.slice(start, start + PAGE_ROWS), include: [] as never }));
      for (const id of result.ids) found.add(id);
    }
    return found;
  }

  private async page(offset: number, limit: number): Promise<{ ids: string[]; embeddings: (number[] | null | undefined)[] }> {
    const result = await this.guard('read records', () => this.collection.get({ offset, limit, include: ['embeddings'] as never }));
    return { ids: result.ids, embeddings: (result.embeddings ?? []) as (number[] | null)[] };
  }

  private async firstDimension(): Promise<number> {
    const page = await this.page(0, 1);
    return page.embeddings[0]?.length ?? 0;
  }

  private async searchCollection(request: SearchRequest): Promise<SearchResult> {
    const { queries, count, k, exact, params } = request;
    if (params && Object.keys(params).length > 0) throw new UsageError('Chroma takes no per-query search settings', { where: this.target });
    if (exact) return this.bruteForce(request);
    const dim = this.dim;
    const embeddings = Array.from({ length: count }, (_, q) => Array.from(queries.subarray(q * dim, (q + 1) * dim)));
    const result = await this.collection.query({ queryEmbeddings: embeddings, nResults: k, include: ['distances'] as never });
    return { ids: result.ids.map((list) => [...list]) };
  }

  /**
   * The exact top-k under the collection's space over every stored embedding, page by page (one
   * page in memory at a time); with a deadline it stops once its projected end falls after it.
   */
  private async bruteForce(request: SearchRequest): Promise<SearchResult> {
    const { rows } = await this.describe();
    const stream = new ExactTopKStream({ data: request.queries, count: request.count, dim: this.dim }, { metric: this.metric, k: request.k });
    const block = new Float32Array(PAGE_ROWS * this.dim);
    const started = performance.now();
    for (let start = 0; start < rows; start += PAGE_ROWS) {
      const page = await this.page(start, Math.min(PAGE_ROWS, rows - start));
      const ids: string[] = [];
      page.embeddings.forEach((embedding, i) => {
        if (embedding && embedding.length === this.dim) {
          block.set(embedding, ids.length * this.dim);
          ids.push(page.ids[i] as string);
        }
      });
      stream.add(block, ids.length, ids);
      const done = Math.min(rows, start + PAGE_ROWS);
      const projectedEnd = started + ((performance.now() - started) * rows) / done;
      if (request.deadline !== undefined && done < rows && projectedEnd > request.deadline) {
        throw new SearchBudgetExceeded('exact scan', (projectedEnd - started) / 1000, done, rows);
      }
    }
    return { ids: stream.result() };
  }

  private space(): string {
    const configured = this.collection.configuration?.hnsw?.space ?? this.collection.configuration?.spann?.space;
    // Collections from before configuration objects keep the space in metadata ("hnsw:space").
    const legacy = this.collection.metadata?.['hnsw:space'];
    return String(configured ?? legacy ?? DEFAULT_SPACE);
  }

  private efSearch(): number {
    const value = this.collection.configuration?.hnsw?.ef_search ?? this.collection.metadata?.['hnsw:search_ef'];
    return typeof value === 'number' && value > 0 ? value : DEFAULT_EF_SEARCH;
  }

  protected override guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    return super.guard(action, this.clock ? () => (this.clock as RequestClock).run(work) : work);
  }

  protected override explain(error: unknown): { readonly what: string; readonly hint?: string } | undefined {
    return this.describeError?.(error);
  }

  /** The HTTP client keeps no connection open. */
  protected async disconnect(): Promise<void> {}
}
