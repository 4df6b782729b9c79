import { filterText, type FilterSpec } from '../sources/filters.js';
import { SearchBudgetExceeded } from '../sources/search-budget.js';
import type { FilterColumn, FilteredSearch, SearchResult } from '../sources/source.js';
import { AUDIT_K, meanRecall, MIN_AUDIT_QUERIES } from './ann-audit.js';
import type { AnnAudit, FilterAudit, FilteredRecallAudit, QuerySet, RemedyPoint } from './artifacts.js';

/** 50 queries × 10 slots bound each filter's recall to about ±4 points: enough to tell 0.6 from 0.95. */
export const FILTER_QUERIES = 50;
/** Discovered filters aim at these selectivities: a small tenant (1%) and a large one (10%). */
export const DISCOVERY_SELECTIVITIES = [0.01, 0.1] as const;
/** Columns whose values are used when discovering: more filters would divide the budget too thinly. */
const DISCOVERY_COLUMNS = 2;
/** A discovered value's share must lie within this factor of its target selectivity. */
const SELECTIVITY_FACTOR = 3;

export interface FilteredAuditOptions {
  /** Filters given with --filter; none: discovered from the store's low-cardinality columns. */
  readonly filters: readonly FilterSpec[];
  /** Matching rows already counted for some of them (the filters were validated up front). */
  readonly counts?: ReadonlyMap<FilterSpec, number>;
  /** Rows holding a vector (the denominator of selectivity). */
  readonly rows: number;
  readonly seed: number;
  readonly queries?: QuerySet;
  readonly annAudit?: AnnAudit;
  /** Search settings the application uses (--search): every filtered search applies them. */
  readonly search?: Readonly<Record<string, number>>;
  /** Seconds the audit may take (--audit-budget). */
  readonly auditBudget?: number;
}

/**
 * Measure the store's own filtered search against exact filtered search, filter by filter: recall@10
 * and the queries answered with fewer rows than exist, then the engine's remedies on the same
 * queries. The budget is split evenly between filters; a filter whose exact answers do not fit is
 * skipped with the reason.
 */
export async function auditFilteredRecall(capability: FilteredSearch, options: FilteredAuditOptions): Promise<FilteredRecallAudit> {
  const started = performance.now();
  const k = AUDIT_K;
  const cuts: string[] = [];
  const discovered = options.filters.length === 0 ? await discoverFilters(capability, options.rows, k) : undefined;
  const filters = discovered ? discovered.filters : options.filters;
  const base = {
    k,
    origin: discovered ? ('discovered' as const) : ('option' as const),
    ...(discovered ? { discovery: discovered.description } : {}),
    ...(options.annAudit ? { unfiltered: { recall: options.annAudit.recall, low: options.annAudit.recallLow, high: options.annAudit.recallHigh } } : {}),
    ...(capability.remedyNote ? { remedyNote: capability.remedyNote } : {}),
    auditBudget: options.auditBudget,
  };
  if (filters.length === 0) {
    return { ...base, filters: [], notRun: discovered?.description ?? 'no filter to measure', seconds: (performance.now() - started) / 1000, cuts };
  }
  const results: FilterAudit[] = [];
  const budgetMs = options.auditBudget === undefined ? undefined : options.auditBudget * 1000;
  for (const [position, filter] of filters.entries()) {
    // Each filter gets its share of what is left of the budget.
    const end = budgetMs === undefined ? undefined : started + (budgetMs * (position + 1)) / filters.length;
    results.push(await auditFilter(capability, filter, { ...options, k, end, cuts }));
  }
  return { ...base, filters: results, seconds: (performance.now() - started) / 1000, cuts };
}

interface FilterRun extends FilteredAuditOptions {
  readonly k: number;
  /** performance.now() by which this filter's measurement should end. */
  readonly end?: number;
  readonly cuts: string[];
}

async function auditFilter(capability: FilteredSearch, filter: FilterSpec, run: FilterRun): Promise<FilterAudit> {
  const matchingRows = run.counts?.get(filter) ?? (await capability.count(filter));
  const head = { filter: filter.text, column: filter.column, matchingRows, selectivity: run.rows > 0 ? matchingRows / run.rows : 0 };
  const empty = { recall: 1, low: 0, high: 1, shortQueries: 0, remedies: [] };
  const fromQueries = run.queries !== undefined && run.queries.count > 0;
  const queries = fromQueries ? firstQueries(run.queries!, FILTER_QUERIES) : await capability.sampleVectors(filter, FILTER_QUERIES, run.seed);
  const queryOrigin = fromQueries ? ('queries' as const) : ('filtered-rows' as const);
  if (matchingRows === 0 || queries.count === 0) {
    return { ...head, ...empty, queries: 0, queryOrigin, skipped: matchingRows === 0 ? 'no row with a vector matches this filter' : 'no matching row holds a usable vector' };
  }
  const request = { queries: queries.data, count: queries.count, k: run.k, filter };
  const deadline = (share: number): { deadline?: number; minQueries: number } => {
    if (run.end === undefined) return { minQueries: MIN_AUDIT_QUERIES };
    const now = performance.now();
    return { deadline: now + Math.max(0, run.end - now) * share, minQueries: MIN_AUDIT_QUERIES };
  };
  let exact: SearchResult;
  try {
    exact = await capability.search({ ...request, exact: true, ...deadline(0.4) });
  } catch (error) {
    if (!(error instanceof SearchBudgetExceeded)) throw error;
    const reason = `exact search over the ${matchingRows} matching rows would take about ${Math.round(error.projectedSeconds)} s, more than this filter's share of the audit budget; raise --audit-budget`;
    run.cuts.push(`${filter.text}: not measured (${reason})`);
    return { ...head, ...empty, queries: 0, queryOrigin, skipped: reason };
  }
  const settings = run.search;
  const current = await capability.search({ ...request, ...(settings ? { settings } : {}), ...deadline(0.5) });
  const measured = current.ids.length;
  if (measured < queries.count) run.cuts.push(`${filter.text}: measured on ${measured} of ${queries.count} queries (audit budget)`);
  const point = meanRecall(current, exact, run.k);
  const remedies: RemedyPoint[] = [];
  const skipped: string[] = [];
  for (const remedy of capability.remedies) {
    if (run.end !== undefined && performance.now() >= run.end) {
      skipped.push(remedy.label);
      continue;
    }
    const result = await capability.search({ ...request, count: measured, settings: { ...settings, ...remedy.settings }, ...deadline(0.5) });
    const remedyPoint = meanRecall(result, exact, run.k);
    remedies.push({ label: remedy.label, settings: remedy.settings, recall: remedyPoint.mean, low: remedyPoint.low, high: remedyPoint.high, shortQueries: shortAnswers(result, exact), queries: result.ids.length });
  }
  if (skipped.length) run.cuts.push(`${filter.text}: ${skipped.join('; ')} not tried (audit budget ran out)`);
  return {
    ...head,
    queries: measured,
    queryOrigin,
    recall: point.mean,
    low: point.low,
    high: point.high,
    shortQueries: shortAnswers(current, exact),
    ...(current.usesIndex === undefined ? {} : { usesIndex: current.usesIndex }),
    remedies,
  };
}

/** Queries the store answered with fewer rows than exact search found (those rows exist and match). */
export function shortAnswers(found: SearchResult, exact: SearchResult): number {
  let short = 0;
  found.ids.forEach((ids, q) => {
    if (ids.length < (exact.ids[q]?.length ?? 0)) short++;
  });
  return short;
}

function firstQueries(queries: QuerySet, count: number): { data: Float32Array; count: number } {
  const taken = Math.min(count, queries.count);
  return { data: queries.data.subarray(0, taken * queries.dim), count: taken };
}

/**
 * Filters an application plausibly uses: low-cardinality scalar columns (tenants, categories,
 * languages), and in each the values whose share of rows is nearest 1% and 10% (within a factor 3),
 * where post-filtering indexes lose rows. Says what it looked at and what it picked.
 */
export async function discoverFilters(capability: FilteredSearch, rows: number, k: number): Promise<{ filters: FilterSpec[]; description: string }> {
  const columns = await capability.columns();
  const low = columns.filter((column) => column.distinct >= 2 && column.values.length === column.distinct && column.distinct <= 100);
  if (low.length === 0) {
    const seen = columns.length
      ? `columns looked at: ${columns.map((column) => `${column.name} (${column.distinct > 100 ? 'over 100' : column.distinct} distinct)`).join(', ')}`
      : 'the table has no scalar column besides its key';
    return { filters: [], description: `no low-cardinality column (2 to 100 distinct values) to filter on: ${seen}; pass --filter "COLUMN = VALUE" with the filters your application uses` };
  }
  const filters: FilterSpec[] = [];
  const picked: string[] = [];
  for (const column of low.slice(0, DISCOVERY_COLUMNS)) {
    const chosen = new Set<string>();
    for (const target of DISCOVERY_SELECTIVITIES) {
      const value = nearestValue(column, rows, target, k, chosen);
      if (!value) continue;
      chosen.add(String(value.value));
      const filter: FilterSpec = { column: column.name, operator: '=', values: [value.value], text: filterText(column.name, '=', [value.value]) };
      filters.push(filter);
      picked.push(`${filter.text} (${((100 * value.rows) / Math.max(1, rows)).toFixed(1)}% of rows, aiming at ${target * 100}%)`);
    }
  }
  const looked = low.map((column) => `${column.name} (${column.distinct} values)`).join(', ');
  const description = filters.length
    ? `filters discovered from low-cardinality columns ${looked}: ${picked.join('; ')}`
    : `low-cardinality columns ${looked} have no value near 1% or 10% of rows with at least ${k} rows; pass --filter to measure the filters your application uses`;
  return { filters, description };
}

function nearestValue(column: FilterColumn, rows: number, target: number, k: number, taken: ReadonlySet<string>): FilterColumn['values'][number] | undefined {
  let best: FilterColumn['values'][number] | undefined;
  let bestDistance = Math.log(SELECTIVITY_FACTOR);
  for (const value of column.values) {
    if (value.rows < k || taken.has(String(value.value))) continue;
    const distance = Math.abs(Math.log(value.rows / Math.max(1, rows) / target));
    if (distance <= bestDistance) {
      best = value;
      bestDistance = distance;
    }
  }
  return best;
}
