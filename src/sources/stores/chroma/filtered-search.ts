import type { Collection } from 'chromadb';
import type { Metric } from '../../../core/policy.js';
import { UsageError } from '../../../errors.js';
import { ExactTopKStream } from '../../../math/streaming-top-k.js';
import { Rng, sampleIndices } from '../../../math/rng.js';
import type { FilterSpec, FilterValue } from '../../filters.js';
import type { FilterColumn, FilteredSearch, FilteredSearchResult } from '../../source.js';

const PAGE_ROWS = 1000;
const DISCOVERY_MAX_DISTINCT = 100;
/** Metadata pages read for discovery at most (evenly spaced): 20,000 records tell a 1% value from a 10% one. */
const DISCOVERY_PAGES = 20;
const OPERATORS: Readonly<Record<string, string>> = { '=': '$eq', '!=': '$ne', '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte', IN: '$in' };

export interface ChromaFilteredOptions {
  readonly collection: Collection;
  readonly metric: Metric;
  readonly dimension: () => Promise<number>;
  readonly rows: () => Promise<number>;
  readonly target: string;
  readonly guard: <T>(action: string, work: () => Promise<T>) => Promise<T>;
}

/**
 * Filtered search on a Chroma collection: `query({ where })` as the application calls it, against
 * the exact top-k over the matching records (paged through with the same `where`, searched
 * client-side). The filter becomes Chroma's own JSON operators ({ key: { $eq: value } }), so no
 * text of the user's reaches the server as code. Chroma's ef_search is a collection setting
 * (changing it is a write): no remedy is measured.
 */
export function chromaFilteredSearch(options: ChromaFilteredOptions): FilteredSearch {
  const { collection, guard } = options;
  let keys: Promise<FilterColumn[]> | undefined;
  const metadataKeys = (): Promise<FilterColumn[]> => (keys ??= readMetadataKeys(options));
  const where = async (filter: FilterSpec): Promise<Record<string, unknown>> => {
    const known = await metadataKeys();
    if (!known.some((key) => key.name === filter.column)) {
      throw new UsageError(`--filter '${filter.text}': no record of collection ${collection.name} has metadata key ${filter.column}`, {
        where: options.target,
        hint: known.length ? `filter on one of its metadata keys: ${known.map((key) => key.name).join(', ')}` : 'its records carry no scalar metadata',
      });
    }
    const operator = OPERATORS[filter.operator] as string;
    return { [filter.column]: { [operator]: filter.operator === 'IN' ? [...filter.values] : filter.values[0] } };
  };
  const matchingIds = async (filter: FilterSpec): Promise<string[]> => {
    const condition = await where(filter);
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE_ROWS) {
      const page = await guard('read filtered records', () => collection.get({ where: condition as never, offset, limit: PAGE_ROWS, include: [] as never }));
      ids.push(...page.ids);
      if (page.ids.length < PAGE_ROWS) return ids;
    }
  };

  return {
    remedies: [],
    remedyNote: "Chroma's ef_search is a collection setting (changing it is a write), so no search setting was tried",
    columns: metadataKeys,
    async count(filter) {
      return (await matchingIds(filter)).length;
    },
    async sampleVectors(filter, count, seed) {
      const dim = await options.dimension();
      const ids = await matchingIds(filter);
      const picks = sampleIndices(ids.length, count, new Rng(seed ^ 0xf17e)).map((pick) => ids[pick] as string);
      if (picks.length === 0) return { data: new Float32Array(0), count: 0 };
      const records = await guard('read sampled records', () => collection.get({ ids: picks, include: ['embeddings'] as never }));
      const data = new Float32Array(picks.length * dim);
      let kept = 0;
      for (const embedding of (records.embeddings ?? []) as (number[] | null)[]) {
        if (embedding?.length === dim && embedding.some((value) => value !== 0)) data.set(embedding, kept++ * dim);
      }
      return { data: data.subarray(0, kept * dim), count: kept };
    },
    async search(request): Promise<FilteredSearchResult> {
      const dim = await options.dimension();
      const condition = await where(request.filter);
      if (request.exact) {
        const stream = new ExactTopKStream({ data: request.queries, count: request.count, dim }, { metric: options.metric, k: request.k });
        const block = new Float32Array(PAGE_ROWS * dim);
        for (let offset = 0; ; offset += PAGE_ROWS) {
          const page = await guard('read filtered records', () => collection.get({ where: condition as never, offset, limit: PAGE_ROWS, include: ['embeddings'] as never }));
          const ids: string[] = [];
          ((page.embeddings ?? []) as (number[] | null)[]).forEach((embedding, i) => {
            if (embedding?.length === dim) {
              block.set(embedding, ids.length * dim);
              ids.push(page.ids[i] as string);
            }
          });
          stream.add(block, ids.length, ids);
          if (page.ids.length < PAGE_ROWS) break;
        }
        return { ids: stream.result(), method: 'every matching record paged through with the same where, exact top-k computed client-side' };
      }
      const embeddings = Array.from({ length: request.count }, (_, q) => Array.from(request.queries.subarray(q * dim, (q + 1) * dim)));
      const result = await guard('query the collection', () => collection.query({ queryEmbeddings: embeddings, nResults: request.k, where: condition as never, include: ['distances'] as never }));
      return { ids: result.ids.map((list) => [...list]), usesIndex: true };
    },
  };
}

/**
 * Scalar metadata keys and their value counts: every record's metadata, or evenly spaced pages of
 * it for large collections (counts then scaled to the collection; filters are counted exactly later).
 */
async function readMetadataKeys(options: ChromaFilteredOptions): Promise<FilterColumn[]> {
  const total = await options.rows();
  const pages = Math.ceil(total / PAGE_ROWS);
  const offsets = pages <= DISCOVERY_PAGES ? Array.from({ length: pages }, (_, i) => i * PAGE_ROWS) : Array.from({ length: DISCOVERY_PAGES }, (_, i) => Math.floor((i * pages) / DISCOVERY_PAGES) * PAGE_ROWS);
  const byKey = new Map<string, { kind: FilterColumn['kind']; rows: number; values: Map<string, { value: FilterValue; rows: number }> }>();
  let read = 0;
  for (const offset of offsets) {
    const page = await options.guard('read metadata', () => options.collection.get({ offset, limit: PAGE_ROWS, include: ['metadatas'] as never }));
    read += page.ids.length;
    for (const metadata of (page.metadatas ?? []) as (Record<string, unknown> | null)[]) {
      for (const [key, value] of Object.entries(metadata ?? {})) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
        const entry = byKey.get(key) ?? { kind: typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text', rows: 0, values: new Map() };
        byKey.set(key, entry);
        entry.rows++;
        const id = `${typeof value}:${String(value)}`;
        const counted = entry.values.get(id);
        if (counted) counted.rows++;
        else if (entry.values.size <= DISCOVERY_MAX_DISTINCT) entry.values.set(id, { value, rows: 1 });
      }
    }
  }
  const scale = read > 0 ? total / read : 1;
  return [...byKey.entries()].map(([name, entry]) => {
    const values = [...entry.values.values()].sort((a, b) => b.rows - a.rows).map((value) => ({ value: value.value, rows: Math.round(value.rows * scale) }));
    return { name, kind: entry.kind, distinct: values.length, rows: Math.round(entry.rows * scale), values };
  });
}
