import type { CheckContext } from './check-context.js';
import { METRICS, type Metric, type ObservedPolicy } from '../core/policy.js';
import type { Artifacts } from '../gather/artifacts.js';
import { normRegimes } from './norm-regimes.js';
import { storeIsotropy } from './whitening.js';

/** What the store is, as measured: the "observed" half of the report's policy. */
export function observedPolicy(artifacts: Artifacts, context: CheckContext): ObservedPolicy {
  return context.memo('observed-policy', () => {
    const { state } = normRegimes(artifacts.rowStats);
    const index = artifacts.index;
    return {
      dim: artifacts.source.dim,
      ...(index?.metric ? { indexMetric: index.metric } : {}),
      ...(index ? { indexNormalizes: index.normalizesInput } : {}),
      ...whitenedState(artifacts, context),
      normState: state,
      safeMetrics: safeMetrics(state, artifacts.declared.metric),
    };
  });
}

/**
 * Metrics that rank these vectors as the model intends. On unit vectors cosine, inner product and
 * L2 give the same order; otherwise only the model's own metric (cosine by default) does.
 */
export function safeMetrics(state: ObservedPolicy['normState'], declared: Metric | undefined): Metric[] {
  if (state === 'unit') return [...METRICS];
  return [declared ?? 'cosine'];
}

/** The index's own transform when it has one, else what the sample's spectrum says (only when it is clear). */
function whitenedState(artifacts: Artifacts, context: CheckContext): { whitened?: boolean } {
  const transform = artifacts.index?.transform;
  if (transform) return { whitened: transform.whitening };
  const shape = storeIsotropy(artifacts, context);
  if (shape?.whitened) return { whitened: true };
  if (shape?.anisotropic) return { whitened: false };
  return {};
}
