import type { CheckContext } from './check-context.js';
import type { KOccurrencePlot } from '../core/plots.js';
import type { Metric } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';
import { meanPairwiseOverlap } from '../math/top-k.js';
import { neighborLists } from './neighbors.js';
import { probeSet } from './probe-set.js';
import { effectiveMetric } from './search-metric.js';

/** Neighbour overlap among random queries and the hubs that cause it. */
export interface Collapse {
  readonly metric: Metric;
  readonly k: number;
  readonly queries: number;
  readonly origin: 'queries' | 'held-out';
  readonly baseRows: number;
  /** Mean over query pairs of |A∩B|/k. */
  readonly overlap: number;
  readonly maxOverlap: number;
  readonly pairs: number;
  /** Base rows that appear in the most top-k lists, with the share of lists they appear in. */
  readonly hubs: readonly { readonly row: number; readonly listShare: number }[];
}

export function collapse(artifacts: Artifacts, context: CheckContext): Collapse | undefined {
  return context.memo('collapse', () => {
    const metric = effectiveMetric(artifacts);
    const probes = probeSet(artifacts, context);
    const lists = neighborLists(artifacts, context, metric);
    if (!probes || !lists) return undefined;
    const { mean, max, pairs } = meanPairwiseOverlap(lists);
    const occurrences = new Map<number, number>();
    for (const id of lists.ids) if (id >= 0) occurrences.set(id, (occurrences.get(id) ?? 0) + 1);
    const hubs = [...occurrences.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([id, n]) => ({ row: probes.baseRows[id] as number, listShare: n / lists.queries }));
    return {
      metric,
      k: lists.k,
      queries: lists.queries,
      origin: probes.origin,
      baseRows: probes.searchable,
      overlap: mean,
      maxOverlap: max,
      pairs,
      hubs,
    };
  });
}

/** The overlap matrix is drawn as a heatmap: beyond this many probes the cells are too small to see. */
export const OVERLAP_MATRIX_MAX_QUERIES = 100;

/** |A∩B|/k for every pair of probe queries (the diagonal is 1): the picture behind overlap@k. */
export function overlapMatrix(artifacts: Artifacts, context: CheckContext): { readonly queryRows: readonly number[]; readonly matrix: number[][] } | undefined {
  return context.memo('overlap-matrix', () => {
    const probes = probeSet(artifacts, context);
    const lists = neighborLists(artifacts, context, effectiveMetric(artifacts));
    if (!probes || !lists) return undefined;
    const queries = Math.min(lists.queries, OVERLAP_MATRIX_MAX_QUERIES);
    const { k, ids } = lists;
    const sets = Array.from({ length: queries }, (_, q) => new Set(ids.subarray(q * k, (q + 1) * k)));
    const matrix = Array.from({ length: queries }, () => new Array<number>(queries).fill(1));
    for (let a = 0; a < queries; a++) {
      for (let b = a + 1; b < queries; b++) {
        let shared = 0;
        for (const id of sets[b] as Set<number>) if (id >= 0 && (sets[a] as Set<number>).has(id)) shared++;
        (matrix[a] as number[])[b] = shared / k;
        (matrix[b] as number[])[a] = shared / k;
      }
    }
    return { queryRows: probes.queryRows.slice(0, queries), matrix };
  });
}

/** How often each base row appears in the probes' top-k lists (its k-occurrence), and how skewed that is. */
export type KOccurrence = KOccurrencePlot;

export function kOccurrence(artifacts: Artifacts, context: CheckContext): KOccurrence | undefined {
  return context.memo('k-occurrence', () => {
    const probes = probeSet(artifacts, context);
    const lists = neighborLists(artifacts, context, effectiveMetric(artifacts));
    if (!probes || !lists) return undefined;
    const counts = new Uint32Array(probes.baseCount);
    for (const id of lists.ids) if (id >= 0) counts[id] = (counts[id] as number) + 1;
    // Only rows a probe could find: held-out probes are never results.
    const searchable = [...counts.keys()].filter((index) => !probes.excluded.has(index));
    const occurrences = searchable.map((index) => counts[index] as number);
    const byCount = new Map<number, number>();
    let sum = 0;
    for (const n of occurrences) {
      byCount.set(n, (byCount.get(n) ?? 0) + 1);
      sum += n;
    }
    const mean = sum / Math.max(1, occurrences.length);
    let second = 0;
    let third = 0;
    for (const n of occurrences) {
      second += (n - mean) ** 2;
      third += (n - mean) ** 3;
    }
    second /= Math.max(1, occurrences.length);
    third /= Math.max(1, occurrences.length);
    const hubs = searchable
      .sort((a, b) => (counts[b] as number) - (counts[a] as number))
      .slice(0, 5)
      .map((index) => ({ row: probes.baseRows[index] as number, occurrences: counts[index] as number }));
    return {
      k: lists.k,
      queries: lists.queries,
      baseRows: probes.searchable,
      expected: mean,
      skewness: second > 0 ? third / second ** 1.5 : 0,
      skewnessIfUniform: mean > 0 ? 1 / Math.sqrt(mean) : 0,
      distribution: [...byCount.entries()].sort((a, b) => a[0] - b[0]).map(([n, rows]) => ({ occurrences: n, rows })),
      hubs,
    };
  });
}
