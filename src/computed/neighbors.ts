import type { CheckContext } from '../checks/check.js';
import type { Metric } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';
import { exactSearch, type NeighborLists } from '../math/top-k.js';
import { probeSet } from './probe-set.js';

/** Exact top-k lists of the probe queries against the base, under `metric` (memoized per metric and k). */
export function neighborLists(artifacts: Artifacts, context: CheckContext, metric: Metric, k = artifacts.settings.k): NeighborLists | undefined {
  return context.memo(`neighbors:${metric}:${k}`, () => {
    const probes = probeSet(artifacts, context);
    if (!probes) return undefined;
    return exactSearch(probes.queries, probes.queryCount, probes.base, probes.baseCount, probes.dim, metric, k);
  });
}
