import type { CheckContext } from '../checks/check.js';
import type { Artifacts } from '../gather/artifacts.js';
import { firstComponentShare, meanPairwiseCosine } from '../math/principal-component.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { normalizedCopy, selectRows } from '../math/vectors.js';
import { validSample } from './valid-sample.js';

/** Shape of the point cloud: how much it is squeezed into one direction (anisotropy). */
export interface Geometry {
  readonly rows: number;
  /** Share of variance on the first principal component, data centered. */
  readonly pc1Ratio: number;
  /** Same without centering: large when all vectors share one common direction. */
  readonly pc1RatioUncentered: number;
  /** Mean cosine over all pairs of distinct rows (0 for isotropic data, →1 when collapsed). */
  readonly meanCosine: number;
}

/** Power iteration costs O(iterations · rows · dim); this many floats keep it well under a second. */
const GEOMETRY_MAX_FLOATS = 1_500_000;

export function geometry(artifacts: Artifacts, context: CheckContext): Geometry | undefined {
  return context.memo('geometry', () => {
    const sample = validSample(artifacts, context);
    if (sample.count < 3) return undefined;
    const unit = normalizedCopy(sample.data, sample.count, sample.dim);
    const rows = Math.min(sample.count, Math.max(3, Math.floor(GEOMETRY_MAX_FLOATS / Math.max(1, sample.dim))));
    // A random subset, not the first rows: the sample is in row order and stores drift along it.
    const picks = sampleIndices(sample.count, rows, new Rng(artifacts.settings.seed ^ 0x9e0));
    const subset = rows === sample.count ? unit : selectRows(unit, sample.dim, picks);
    return {
      rows,
      pc1Ratio: firstComponentShare(subset, rows, sample.dim, { centered: true, iterations: 60 }),
      pc1RatioUncentered: firstComponentShare(subset, rows, sample.dim, { centered: false, iterations: 60 }),
      meanCosine: meanPairwiseCosine(unit, sample.count, sample.dim),
    };
  });
}
