import { Rng, sampleIndices, shuffle } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { isSelfReferencing } from '../sources/self-reference.js';
import type { SearchRequest, SourceDescription, VectorSource } from '../sources/source.js';
import { exactTopK } from '../math/exact-top-k.js';
import { AUDIT_K, settingParams, sweepValuesFor, type AuditSearches, type ExactReference } from './ann-audit.js';
import type { Reachability, VectorSample } from './artifacts.js';
import type { SearchSetting } from './search-setting.js';

/** 1,000 rows bound a share of a few percent to about ±1 point (Wilson): enough to tell 1% from 5%. */
export const REACH_ROWS = 1000;
/** However tight the budget, this many rows are searched for themselves (as many as the audit's queries). */
export const MIN_REACH_ROWS = 100;
/**
 * Missed rows are searched again up to this setting (doubling past the audit's sweep): re-searching
 * only the few missed rows is cheap, and a row still missing at 512 candidates is cut off by the graph.
 */
export const REACH_MAX_SETTING = 512;
/** Ids of the first unreachable rows kept for the report. */
const EXAMPLES = 10;

export interface ReachabilityOptions {
  readonly seed: number;
  /** The setting the audit searched at (the index's settings), and --search. */
  readonly setting?: SearchSetting;
  readonly search?: Readonly<Record<string, number>>;
  /** Seconds left of the audit budget; undefined: no limit. */
  readonly auditBudget?: number;
  /**
   * The audit's exact answers over the stored vectors. Under inner product a row need not be its own
   * nearest answer (a longer vector nearby outranks it): a miss counts only when exact search returns the row.
   */
  readonly exact?: ExactReference;
}

/** Graph indexes (HNSW in FAISS, hnswlib, usearch, pgvector, LanceDB IVF_HNSW_*): where a row can be cut off from search. */
export function isGraphIndex(description: SourceDescription): boolean {
  return description.index !== undefined && /hnsw/i.test(description.index.type);
}

/**
 * Search sampled stored rows for themselves with the index, at the setting the audit uses: a row
 * missing from the top-k for its own vector is one the index cannot return. A miss whose results
 * hold an identical vector is a tie between exact duplicates, not a miss. Rows missed at the
 * audited setting are searched again at the sweep's larger settings, to tell a parameter fix
 * from a graph that must be rebuilt. Only sources that know each row's id (index files) qualify.
 */
export async function probeReachability(source: VectorSource, description: SourceDescription, sample: VectorSample, options: ReachabilityOptions): Promise<Reachability | undefined> {
  if (!source.search || !isGraphIndex(description) || !isSelfReferencing(source)) return undefined;
  const plan = await source.selfReference();
  if (!plan.usable) return undefined;
  // Under inner product, only exact search can say whether a row is an answer for its own vector.
  if (plan.metric === 'ip' && !options.exact) return undefined;
  const started = performance.now();
  const deadline = options.auditBudget === undefined ? undefined : started + Math.max(0, options.auditBudget) * 1000;
  // Rows the index can return at all (deleted elements are not rows to find), in random order: a cut keeps a random prefix.
  const rng = new Rng(options.seed ^ 0x5e1f);
  const live = sample.rows.map((row, index) => ({ row, index, id: plan.idOf(row) })).filter((entry) => entry.id !== undefined && hasNorm(sample, entry.index));
  const picks = shuffle(sampleIndices(live.length, REACH_ROWS, rng), rng).map((pick) => live[pick]!);
  if (picks.length === 0) return undefined;
  const dim = sample.dim;
  const queries = selectRows(
    sample.data,
    dim,
    picks.map((pick) => pick.index),
  );
  const k = AUDIT_K;
  const params = settingParams(options.setting, options.search);
  const request = (rows: readonly number[], extra: Readonly<Record<string, number>> = {}): SearchRequest => {
    const merged = { ...params, ...extra };
    return { queries: rows.length === picks.length ? queries : selectRows(queries, dim, rows), count: rows.length, k, ...(Object.keys(merged).length ? { params: merged } : {}) };
  };
  const everyRow = picks.map((_, i) => i);
  // Ids the index can return: as many as its live rows; a list shorter than min(k, live) lost rows to deleted entries.
  const deleted = description.index?.deletedRows;
  const liveRows = description.rows - (deleted && deleted.entries === description.rows ? deleted.count : 0);
  const budget = deadline === undefined ? {} : { deadline, minQueries: Math.min(MIN_REACH_ROWS, picks.length) };
  const first = await source.search.query({ ...request(everyRow), ...budget });
  const probed = first.ids.length;
  const ownId = (i: number): string => String(picks[i]!.id);
  let missed = everyRow.slice(0, probed).filter((i) => !(first.ids[i] ?? []).map(String).includes(ownId(i)));
  const ties = await identicalReturned({ source, description, idOf: plan.idOf }, { queries, dim, missed }, first.ids);
  const notOwnAnswer = plan.metric === 'ip' ? await notAnsweredExactly(options.exact!, { queries, dim, missed: missed.filter((i) => !ties.has(i)) }, ownId, k) : new Set<number>();
  const atSetting = missed.filter((i) => !ties.has(i) && !notOwnAnswer.has(i));
  missed = atSetting;
  const shortLists = first.ids.filter((ids) => ids.length < Math.min(k, liveRows)).length;
  const deletedReturned = countDeletedReturned(description, plan.idOf, first.ids);
  const cuts: string[] = [];
  if (probed < picks.length) cuts.push(`${probed} of ${picks.length} rows searched for themselves (the audit budget ran out)`);

  const sweep: { value: number; unreachable: number }[] = [];
  const tuning = source.search.tuning;
  if (tuning && options.setting) {
    for (const value of widerSweep(sweepValuesFor(tuning, options.setting), options.setting.value)) {
      if (missed.length === 0) break;
      if (deadline !== undefined && performance.now() >= deadline) {
        cuts.push(`${tuning.name} ${value} and above not tried (the audit budget ran out)`);
        break;
      }
      // Only the missed rows are searched again: a row found at a smaller setting is taken as found at a larger one.
      const again = await source.search.query(request(missed, { [tuning.name]: value }));
      missed = missed.filter((i, position) => !(again.ids[position] ?? []).map(String).includes(ownId(i)));
      sweep.push({ value, unreachable: missed.length });
    }
  }
  return {
    k,
    method: 'own-id',
    rowsProbed: probed,
    plannedRows: picks.length,
    ties: ties.size,
    notOwnAnswer: notOwnAnswer.size,
    unreachable: atSetting.length,
    shortLists,
    deletedReturned,
    examples: atSetting.slice(0, EXAMPLES).map(ownId),
    ...(options.setting ? { tuning: { name: options.setting.name, current: options.setting.value, from: options.setting.from } } : {}),
    sweep,
    seconds: (performance.now() - started) / 1000,
    cuts,
  };
}

/** Rows searched for themselves that the index missed: `missed` indexes the rows of `queries`. */
interface Misses {
  readonly queries: Float32Array;
  readonly dim: number;
  readonly missed: readonly number[];
}

/** Missed rows exact search does not return in their own top-k either (inner product): not a question of reachability. */
async function notAnsweredExactly(exact: ExactReference, misses: Misses, ownId: (i: number) => string, k: number): Promise<Set<number>> {
  const { queries, dim, missed } = misses;
  const excluded = new Set<number>();
  if (missed.length === 0) return excluded;
  const lists = await exactTopK({ data: selectRows(queries, dim, missed), count: missed.length, dim }, exact, { metric: exact.metric, k });
  missed.forEach((i, q) => {
    const own = ownId(i);
    let found = false;
    for (let j = 0; j < lists.k; j++) {
      const index = lists.ids[q * lists.k + j] as number;
      if (index >= 0 && String(exact.ids[index]) === own) found = true;
    }
    if (!found) excluded.add(i);
  });
  return excluded;
}

/**
 * Results naming a deleted entry (an id no live row carries): engines skip deleted entries, so
 * any is a defect. Only formats that keep deleted entries' ids (hnswlib) can show it.
 */
function countDeletedReturned(description: SourceDescription, idOf: (row: number) => string | number | bigint | undefined, results: readonly (readonly (string | number | bigint)[])[]): number {
  const ids = description.index?.ids?.values;
  if (!description.index?.deletedRows || !ids) return 0;
  const live = new Set<string>();
  const deleted = new Set<string>();
  for (let row = 0; row < ids.length; row++) {
    const id = idOf(row);
    if (id === undefined) deleted.add(BigInt.asUintN(64, ids[row] as bigint).toString());
    else live.add(String(id));
  }
  for (const id of live) deleted.delete(id);
  if (deleted.size === 0) return 0;
  return results.reduce((total, list) => total + list.filter((id) => deleted.has(String(id))).length, 0);
}

/**
 * Live stores do not say which id a sampled row has, but the ANN audit searched sampled stored rows
 * both with the index and exactly: under L2 or cosine a stored vector's exact first answer is the
 * row itself (or an identical copy), so the audit's own searches say whether the index returns it.
 * No search of its own (one budget). With exact duplicates in the store the first answer may be a
 * copy the index rightly skips for another: a miss then counts only when the index returned none of
 * the exact top-k (conservative).
 */
export function reachabilityFromAudit(options: {
  readonly searches: AuditSearches;
  readonly description: SourceDescription;
  readonly k: number;
  readonly tuning?: Reachability['tuning'];
  readonly hasDuplicates: boolean;
}): Reachability | undefined {
  const { searches, description, k } = options;
  const metric = description.index?.metric;
  if (!isGraphIndex(description) || (metric !== 'l2' && metric !== 'cosine')) return undefined;
  const measured = searches.current.ids.length;
  const target = (q: number): string | undefined => {
    const first = searches.exact.ids[q]?.[0];
    return first === undefined ? undefined : String(first);
  };
  const missedIn = (result: readonly (string | number | bigint)[] | undefined, q: number): boolean => {
    const got = (result ?? []).slice(0, k).map(String);
    if (got.includes(target(q)!)) return false;
    return !options.hasDuplicates || !(searches.exact.ids[q] ?? []).slice(0, k).some((id) => got.includes(String(id)));
  };
  const probed = Array.from({ length: measured }, (_, q) => q).filter((q) => target(q) !== undefined);
  if (probed.length === 0) return undefined;
  let missed = probed.filter((q) => missedIn(searches.current.ids[q], q));
  const atSetting = missed;
  const sweep: { value: number; unreachable: number }[] = [];
  for (const point of [...searches.sweep].filter((entry) => !options.tuning || entry.value > options.tuning.current).sort((a, b) => a.value - b.value)) {
    // Points the budget cut short answer fewer queries: the rows they did not search stay missed.
    missed = missed.filter((q) => q >= point.result.ids.length || missedIn(point.result.ids[q], q));
    sweep.push({ value: point.value, unreachable: missed.length });
  }
  return {
    k,
    method: 'exact-first',
    rowsProbed: probed.length,
    plannedRows: probed.length,
    ties: 0,
    notOwnAnswer: 0,
    unreachable: atSetting.length,
    shortLists: probed.filter((q) => (searches.current.ids[q] ?? []).length < Math.min(k, description.rows)).length,
    deletedReturned: 0,
    examples: atSetting.slice(0, EXAMPLES).map((q) => target(q)!),
    ...(options.tuning ? { tuning: options.tuning } : {}),
    sweep,
    seconds: 0,
    cuts: [],
  };
}

/** The audit's larger settings, then doublings of the largest up to REACH_MAX_SETTING. */
function widerSweep(values: readonly number[], current: number): number[] {
  const larger = [...new Set(values.filter((value) => value > current))].sort((a, b) => a - b);
  let last = larger[larger.length - 1] ?? current;
  while (last > 0 && last < REACH_MAX_SETTING) {
    last = Math.min(REACH_MAX_SETTING, last * 2);
    larger.push(last);
  }
  return larger;
}

function hasNorm(sample: VectorSample, index: number): boolean {
  let sum = 0;
  for (let j = 0; j < sample.dim; j++) sum += (sample.data[index * sample.dim + j] as number) ** 2;
  return sum > 0 && Number.isFinite(sum);
}

/**
 * Missed rows whose results hold a vector identical to the row's own: exact duplicates tie, and
 * the index may return any of the copies. Reads the returned rows' vectors (misses only).
 */
async function identicalReturned(
  index: { readonly source: VectorSource; readonly description: SourceDescription; readonly idOf: (row: number) => string | number | bigint | undefined },
  misses: Misses,
  results: readonly (readonly (string | number | bigint)[])[],
): Promise<Set<number>> {
  const { source, description, idOf } = index;
  const { queries, dim, missed } = misses;
  const ties = new Set<number>();
  if (missed.length === 0) return ties;
  const rowOfId = new Map<string, number>();
  for (let row = 0; row < description.rows; row++) {
    const id = idOf(row);
    if (id !== undefined) rowOfId.set(String(id), row);
  }
  const wanted = new Set<number>();
  for (const i of missed)
    for (const id of results[i] ?? []) {
      const row = rowOfId.get(String(id));
      if (row !== undefined) wanted.add(row);
    }
  const rows = [...wanted].sort((a, b) => a - b);
  const block = await source.readRows(rows);
  const at = new Map<number, number>();
  const blockRows = block.rows ? Array.from(block.rows) : rows;
  blockRows.forEach((row, position) => at.set(row, position));
  for (const i of missed) {
    const query = queries.subarray(i * dim, (i + 1) * dim);
    const identical = (results[i] ?? []).some((id) => {
      const position = at.get(rowOfId.get(String(id)) ?? -1);
      if (position === undefined) return false;
      const vector = block.data.subarray(position * dim, (position + 1) * dim);
      return vector.every((value, j) => value === query[j]);
    });
    if (identical) ties.add(i);
  }
  return ties;
}
