import type { CheckContext } from './check-context.js';
import type { Metric } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';
import { listAgreement } from '../math/top-k.js';
import { neighborLists } from './neighbors.js';
import { probeSet } from './probe-set.js';

/** Neighbours compared when measuring how two rankings differ: the recall@10 users feel. */
export const AGREEMENT_K = 10;

/**
 * Share of the top-10 neighbours that `actual` (what the store computes) shares with `intended`
 * (what the model was trained for), over the probe queries: 1 means identical results.
 */
export function rankingAgreement(artifacts: Artifacts, context: CheckContext, actual: Metric, intended: Metric): number | undefined {
  if (actual === intended) return 1;
  const a = neighborLists(artifacts, context, actual, AGREEMENT_K);
  const b = neighborLists(artifacts, context, intended, AGREEMENT_K);
  return a && b ? listAgreement(b, a) : undefined;
}

/**
 * How much inner-product results are the same few long vectors whatever the query: the mean
 * share of each IP top-10 that belongs to the 10 longest base vectors. Near 0 for healthy data.
 */
export function normDominance(artifacts: Artifacts, context: CheckContext): number | undefined {
  return context.memo('norm-dominance', () => {
    const probes = probeSet(artifacts, context);
    const lists = neighborLists(artifacts, context, 'ip', AGREEMENT_K);
    if (!probes || !lists) return undefined;
    const norms: { index: number; norm: number }[] = [];
    for (let i = 0; i < probes.baseCount; i++) {
      if (probes.excluded.has(i)) continue;
      let sum = 0;
      for (let j = 0; j < probes.dim; j++) sum += (probes.base[i * probes.dim + j] as number) ** 2;
      norms.push({ index: i, norm: sum });
    }
    norms.sort((a, b) => b.norm - a.norm);
    const longest = new Set(norms.slice(0, lists.k).map((entry) => entry.index));
    let shared = 0;
    for (let i = 0; i < lists.ids.length; i++) if (longest.has(lists.ids[i] as number)) shared++;
    return shared / lists.ids.length;
  });
}
