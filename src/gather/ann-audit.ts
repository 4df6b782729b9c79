import type { Metric } from '../core/policy.js';
import { wilsonInterval } from '../math/bounds.js';
import { Rng, sampleIndices, shuffle } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { validRowsOf } from './valid-rows.js';
import { exactTopK } from '../math/exact-top-k.js';
import { SearchBudgetExceeded } from '../sources/search-budget.js';
import type { SearchRequest, SearchResult, SearchTuning, SourceDescription, VectorSource } from '../sources/source.js';
import type { AnnAudit, VectorSample } from './artifacts.js';
import type { SearchSetting } from './search-setting.js';
import type { Rows } from '../core/rows.js';

/** recall@10 is what RAG users feel: the top-10 chunks handed to the model. */
export const AUDIT_K = 10;
/** 100 queries × 10 neighbours bound the recall estimate to about ±3 points. */
export const AUDIT_QUERIES = 100;

export interface AuditQueries extends Rows {
  readonly origin: AnnAudit['origin'];
}

/** Vectors to search exactly when the engine has no exact path of its own, with their ids. */
export interface ExactReference extends Rows {
  /** Id of each reference row, in the id space the source's search returns. */
  readonly ids: readonly (string | number | bigint)[];
  readonly metric: Metric;
  readonly description: string;
}

/**
 * Seconds the audit may take by default: with the scan and the sample, the check stays inside
 * its 60-second promise on a million-row store.
 */
export const DEFAULT_AUDIT_BUDGET_SECONDS = 25;
/** However tight the budget, this many queries are measured: recall over 10 × 10 slots still tells 0.5 from 0.95. */
export const MIN_AUDIT_QUERIES = 10;
/**
 * Shares of the budget by which each stage must end: the exact answers (the reference everything
 * is scored against), then the index at its current setting (the verdict), then the sweep.
 */
export const EXACT_SHARE = 0.6;
const CURRENT_SHARE = 0.8;

export interface AuditOptions {
  readonly k?: number;
  /** Seconds the audit may take; undefined: no limit. */
  readonly auditBudget?: number;
  /** The setting of the source's knob to audit at (resolveSearchSetting); default: the source's own current value. */
  readonly setting?: SearchSetting;
  /** Further search settings (--search) applied to every search of the audit. */
  readonly search?: Readonly<Record<string, number>>;
  /** What the exact answers are computed over (see AnnAudit.exactBasis); default 'stored'. */
  readonly exactBasis?: AnnAudit['exactBasis'];
  /** Query searches done of all the audit plans (exact, current setting, sweep), after each search. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Exact answers computed before the audit, while a scan streamed past (StreamedExactSearch): for
 * references and indexes too large to hold in memory. `cut` when the budget stopped them.
 */
export type StreamedExact = { readonly kind: 'answers'; readonly ids: SearchResult['ids']; readonly description: string; readonly seconds: number } | { readonly kind: 'cut'; readonly note: string };

/** Why there is no audit when the exact answers would take more than their share of the budget. */
export function exactCutNote(cut: { readonly rowsTotal: number; readonly projectedSeconds: number; readonly rowsDone: number; readonly auditBudget?: number }): string {
  const budgetText = cut.auditBudget === undefined ? 'the audit budget' : `the ${cut.auditBudget} s audit budget`;
  return (
    `index recall not audited: exact search over all ${cut.rowsTotal} rows would take about ${Math.round(cut.projectedSeconds)} s ` +
    `(stopped after ${cut.rowsDone} rows), more than ${EXACT_SHARE * 100}% of ${budgetText}; raise --audit-budget to audit it`
  );
}

/** The audit, or why there is none although the source can search. */
export interface AuditOutcome {
  readonly audit?: AnnAudit;
  readonly note?: string;
  /** The source's description as its last search left it, when its answers carried one (SearchResult.learned). */
  readonly learned?: SourceDescription;
  /** The audit's own answers, for measurements that reuse its searches (unreachable rows on live stores). */
  readonly searches?: AuditSearches;
}

/** Per audit query: the exact answer, the index's at the audited setting, and at each sweep value. */
export interface AuditSearches {
  readonly exact: SearchResult;
  readonly current: SearchResult;
  readonly sweep: readonly { readonly value: number; readonly result: SearchResult }[];
}

/**
 * Measure the source's own search against exact search: at the current setting of its search
 * knob and at larger ones. Uses the engine's exact path when it has one, else `reference`.
 *
 * With a budget, each stage has a deadline: searches that go query by query answer the first
 * queries only (queries are in random order, so any prefix is a random sample), and the audit
 * records how many were measured; the interval widens accordingly. A one-pass exact scan that
 * cannot finish in its share stops early, and then there is no audit, only a note saying why.
 */
export async function auditAnn(source: VectorSource, queries: AuditQueries, reference: ExactReference | StreamedExact | undefined, options: AuditOptions = {}): Promise<AuditOutcome> {
  const k = options.k ?? AUDIT_K;
  const search = source.search;
  if (!search || queries.count === 0) return {};
  if (reference && 'kind' in reference && reference.kind === 'cut') return { note: reference.note };
  // Answers streamed during a scan took their time before this call: it counts against the budget.
  const streamedSeconds = reference && 'kind' in reference ? reference.seconds : 0;
  const started = performance.now() - streamedSeconds * 1000;
  const budgetMs = options.auditBudget === undefined ? undefined : options.auditBudget * 1000;
  const deadline = (share: number): { deadline?: number; minQueries: number } => (budgetMs === undefined ? { minQueries: MIN_AUDIT_QUERIES } : { deadline: started + share * budgetMs, minQueries: MIN_AUDIT_QUERIES });
  const request = (count: number): SearchRequest => ({ queries: queries.data.subarray(0, count * queries.dim), count, k });
  const cuts: string[] = [];
  const budgetText = options.auditBudget === undefined ? '' : `the ${options.auditBudget} s audit budget`;
  const tuning = search.tuning;
  const setting = options.setting ?? (tuning ? { name: tuning.name, value: tuning.current, from: 'index' as const } : undefined);
  // Audited at another value than the engine's own (--search, a manifest): sweep around that one.
  const sweepValues = (tuning && setting ? sweepValuesFor(tuning, setting) : (tuning?.sweep ?? [])).filter((candidate) => candidate !== setting?.value);
  // Progress in query searches: the engine's exact search (when it runs one), the current setting, the sweep.
  const plannedSearches = queries.count * ((search.exactMethod !== undefined ? 1 : 0) + 1 + sweepValues.length);
  let searched = 0;
  options.onProgress?.(0, plannedSearches);
  const searchedMore = (count: number): void => {
    searched += count;
    options.onProgress?.(Math.min(searched, plannedSearches), plannedSearches);
  };
  let exact: SearchResult;
  let exactMethod: string;
  if (search.exactMethod !== undefined) {
    try {
      exact = await search.query({ ...request(queries.count), exact: true, ...deadline(EXACT_SHARE) });
    } catch (error) {
      if (!(error instanceof SearchBudgetExceeded)) throw error;
      return { note: exactCutNote({ ...error, auditBudget: options.auditBudget }) };
    }
    exactMethod = exact.method ?? search.exactMethod;
    searchedMore(queries.count);
  } else if (reference && 'kind' in reference) {
    exact = { ids: reference.kind === 'answers' ? reference.ids : [] };
    exactMethod = reference.kind === 'answers' ? reference.description : '';
  } else if (reference) {
    exact = await exactReferenceSearch(queries, reference, k);
    exactMethod = reference.description;
  } else {
    return {};
  }
  // The index's own value needs no parameter; one from --search or a manifest is applied explicitly.
  const currentParams = settingParams(setting, options.search);
  const current = await search.query({ ...request(exact.ids.length), ...(Object.keys(currentParams).length ? { params: currentParams } : {}), ...deadline(CURRENT_SHARE) });
  const measured = current.ids.length;
  searchedMore(queries.count);
  if (measured < queries.count) cuts.push(`recall measured on ${measured} of ${queries.count} queries (${budgetText})`);
  const { mean, low, high } = meanRecall(current, exact, k);
  const sweep: AnnAudit['sweep'][number][] = [];
  const sweepResults: AuditSearches['sweep'][number][] = [];
  const skipped: number[] = [];
  for (const value of sweepValues) {
    if (budgetMs !== undefined && performance.now() >= started + budgetMs) {
      skipped.push(value);
      searchedMore(queries.count);
      continue;
    }
    const result = await search.query({ ...request(measured), params: { ...options.search, [tuning!.name]: value }, ...deadline(1) });
    searchedMore(queries.count);
    const point = meanRecall(result, exact, k);
    sweepResults.push({ value, result });
    sweep.push({ value, recall: point.mean, low: point.low, high: point.high, queries: result.ids.length });
    if (result.ids.length < measured) cuts.push(`${tuning!.name} ${value} measured on ${result.ids.length} of ${measured} queries (${budgetText})`);
  }
  if (skipped.length) cuts.push(`${tuning!.name} ${skipped.join(', ')} not measured (${budgetText} ran out)`);
  return {
    audit: {
      k,
      queries: measured,
      plannedQueries: queries.count,
      origin: queries.origin,
      exactMethod,
      exactBasis: options.exactBasis ?? 'stored',
      recall: mean,
      recallLow: low,
      recallHigh: high,
      ...(setting ? { tuning: { name: setting.name, current: setting.value, from: setting.from, ...(setting.assumed ? { assumed: setting.assumed } : {}) } } : {}),
      sweep,
      seconds: (performance.now() - started) / 1000,
      auditBudget: options.auditBudget,
      cuts,
    },
    searches: { exact, current, sweep: sweepResults },
    learned: sweepResults.at(-1)?.result.learned ?? current.learned ?? exact.learned,
  };
}

/** Search parameters for the audited setting: the index's own value needs none; one from --search or a manifest is applied explicitly. */
export function settingParams(setting: SearchSetting | undefined, search: Readonly<Record<string, number>> | undefined): Record<string, number> {
  return { ...search, ...(setting && (setting.from === 'option' || setting.from === 'manifest') ? { [setting.name]: setting.value } : {}) };
}

/** The settings to sweep: audited at another value than the engine's own (--search, a manifest), around that one. */
export function sweepValuesFor(tuning: SearchTuning, setting: SearchSetting): readonly number[] {
  return setting.value !== tuning.current && tuning.sweepFrom ? tuning.sweepFrom(setting.value) : tuning.sweep;
}

/** On every core: the audit waits for these answers, and at 1M+ rows they are most of its time. */
async function exactReferenceSearch(queries: AuditQueries, reference: ExactReference, k: number): Promise<SearchResult> {
  const lists = await exactTopK(queries, reference, { metric: reference.metric, k });
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
  // Only queries both searches answered count (a deadline may have cut either).
  exact.ids.slice(0, found.ids.length).forEach((truth, q) => {
    const wanted = new Set(truth.slice(0, k).map(String));
    const got = new Set((found.ids[q] ?? []).slice(0, k).map(String));
    for (const id of got) if (wanted.has(id)) hits++;
    slots += wanted.size;
  });
  if (slots === 0) return { mean: 1, low: 1, high: 1 };
  const { low, high } = wilsonInterval(hits, slots);
  return { mean: hits / slots, low, high };
}

/**
 * Audit queries: the user's real queries when given (and of the right dimension); else rows of the
 * original embeddings when exact answers come from them (--vectors: true recall is for real
 * vectors, not the index's reconstructions of them); else sampled stored rows.
 */
export function pickAuditQueries(sample: VectorSample, queries: VectorSample | undefined, seed: number, reference?: ExactReference): AuditQueries {
  const useQueries = queries !== undefined && queries.dim === sample.dim && queries.count > 0;
  const useReference = !useQueries && reference !== undefined && reference.dim === sample.dim && reference.count > 0;
  const base: VectorSample = useQueries ? queries : useReference ? { dim: reference.dim, count: reference.count, rows: [], data: reference.data } : sample;
  const valid = validRowsOf(base);
  const rng = new Rng(seed ^ 0xa0d1);
  // Shuffled: a budget that cuts the audit keeps a prefix, and any prefix must be a random sample.
  const picks = shuffle(sampleIndices(valid.count, AUDIT_QUERIES, rng), rng);
  return { data: selectRows(valid.data, valid.dim, picks), count: picks.length, dim: valid.dim, origin: useQueries ? 'queries' : useReference ? 'reference-rows' : 'sampled-rows' };
}
