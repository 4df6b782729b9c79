import type { CheckContext } from './check-context.js';
import type { Metric } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';
import { exactSearch, type NeighborLists } from '../math/top-k.js';
import { normalizedCopy } from '../math/vectors.js';
import { probeSet } from './probe-set.js';
import { unitValidSample } from './valid-sample.js';

/**
 * Exact top-k lists of the probe queries against the base, under `metric` (memoized per metric
 * and k). Cosine searches the shared unit copy of the sample by inner product instead of
 * normalizing the base again for every call.
 */
export function neighborLists(artifacts: Artifacts, context: CheckContext, metric: Metric, k = artifacts.settings.k): NeighborLists | undefined {
  return context.memo(`neighbors:${metric}:${k}`, () => {
    const probes = probeSet(artifacts, context);
    if (!probes) return undefined;
    const excluded = probes.excluded;
    const exclude = excluded.size ? excluded : undefined;
    if (metric === 'cosine') {
      const queries = normalizedCopy(probes.queries, probes.queryCount, probes.dim);
      return exactSearch({ data: queries, count: probes.queryCount, dim: probes.dim }, { data: unitValidSample(artifacts, context), count: probes.baseCount, dim: probes.dim }, { metric: 'ip', k, exclude });
    }
    return exactSearch({ data: probes.queries, count: probes.queryCount, dim: probes.dim }, { data: probes.base, count: probes.baseCount, dim: probes.dim }, { metric, k, exclude });
  });
}
