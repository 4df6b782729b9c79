import type { CheckContext } from '../checks/check.js';
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
      baseRows: probes.baseCount,
      overlap: mean,
      maxOverlap: max,
      pairs,
      hubs,
    };
  });
}
