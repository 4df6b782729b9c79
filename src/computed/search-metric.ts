import type { Metric } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';

/**
 * The metric searches over this store actually rank by: the index's own when it has one (cosine
 * when it normalizes), else the declared one, else cosine (what most embedding models assume).
 */
export function effectiveMetric(artifacts: Artifacts): Metric {
  const index = artifacts.index;
  if (index?.normalizesInput) return 'cosine';
  if (index?.metric && index.metric !== 'other') return index.metric;
  return artifacts.declared.metric ?? 'cosine';
}
