import type { Metric } from '../core/policy.js';
import { wilsonInterval } from '../math/bounds.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { validRowsOf } from '../computed/valid-sample.js';
import { exactSearch } from '../math/top-k.js';
import type { SearchResult, VectorSource } from '../sources/source.js';
import type { AnnAudit, VectorSample } from './artifacts.js';

/** recall@10 is what RAG users feel: the top-10 chunks handed to the model. */
export const AUDIT_K = 10;
/** 100 queries × 10 neighbours bound the recall estimate to about ±3 points. */
export const AUDIT_QUERIES = 100;

export interface AuditQueries {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly origin: AnnAudit['origin'];
}

/** Vectors to search exactly when the engine has no exact path of its own, with their ids. */
export interface ExactReference {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
  /** Id of each reference row, in the id space the source's search returns. */
  readonly ids: readonly (string | number | bigint)[];
  readonly metric: Metric;
  readonly description: string;
}

/**
 * Measure the source's own search against exact search: at the current setting of its search
 * knob and at larger ones. Uses the engine's exact path when it has one, else `reference`.
 */
export async function auditAnn(
  source: VectorSource,
  queries: AuditQueries,
  reference: ExactReference | undefined,
  k = AUDIT_K,
): Promise<AnnAudit | undefined> {
  if (!source.search || queries.count === 0) return undefined;
  const request = { queries: queries.data, count: queries.count, k };
  let exact: SearchResult;
  let exactMethod: string;
  if (source.supportsExactSearch) {
    exact = await source.search({ ...request, exact: true });
    exactMethod = source.exactSearchMethod ?? "the engine's own exact search";
  } else if (reference) {
    exact = exactReferenceSearch(queries, reference, k);
    exactMethod = reference.description;
  } else {
    return undefined;
  }
  const current = await source.search(request);
  const { mean, low, high } = meanRecall(current, exact, k);
  const tuning = source.searchTuning;
  const sweep: { value: number; recall: number }[] = [];
  for (const value of tuning?.sweep ?? []) {
    const result = await source.search({ ...request, params: { [tuning!.name]: value } });
    sweep.push({ value, recall: meanRecall(result, exact, k).mean });
  }
  return {
    k,
    queries: queries.count,
    origin: queries.origin,
    exactMethod,
    recall: mean,
    recallLow: low,
    recallHigh: high,
    ...(tuning ? { tuning: { name: tuning.name, current: tuning.current } } : {}),
    sweep,
  };
}

function exactReferenceSearch(queries: AuditQueries, reference: ExactReference, k: number): SearchResult {
  const lists = exactSearch(queries.data, queries.count, reference.data, reference.count, reference.dim, reference.metric, k);
  const ids: (string | number | bigint)[][] = [];
  for (let q = 0; q < lists.queries; q++) {
    const row: (string | number | bigint)[] = [];
    for (let i = 0; i < lists.k; i++) {
      const index = lists.ids[q * lists.k + i] as number;
      if (index >= 0) row.push(reference.ids[index] as string | number | bigint);
    }
    ids.push(row);
  }
  return { ids };
}

/**
 * Mean recall@k over queries, with a 95% interval treating the k·queries neighbour slots as
 * trials (Wilson): conservative enough for a report, exact enough to tell 0.8 from 0.95.
 */
export function meanRecall(found: SearchResult, exact: SearchResult, k: number): { mean: number; low: number; high: number } {
  let hits = 0;
  let slots = 0;
  exact.ids.forEach((truth, q) => {
    const wanted = new Set(truth.slice(0, k).map(String));
    const got = new Set((found.ids[q] ?? []).slice(0, k).map(String));
    for (const id of got) if (wanted.has(id)) hits++;
    slots += wanted.size;
  });
  if (slots === 0) return { mean: 1, low: 1, high: 1 };
  const { low, high } = wilsonInterval(hits, slots);
  return { mean: hits / slots, low, high };
}

/** Audit queries: the user's real queries when given (and of the right dimension), else sampled stored rows. */
export function pickAuditQueries(sample: VectorSample, queries: VectorSample | undefined, seed: number): AuditQueries {
  const useQueries = queries !== undefined && queries.dim === sample.dim && queries.count > 0;
  const valid = validRowsOf(useQueries ? queries : sample);
  const picks = sampleIndices(valid.count, AUDIT_QUERIES, new Rng(seed ^ 0xa0d1));
  return { data: selectRows(valid.data, valid.dim, picks), count: picks.length, dim: valid.dim, origin: useQueries ? 'queries' : 'sampled-rows' };
}
