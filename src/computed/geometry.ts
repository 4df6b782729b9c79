import type { CheckContext } from '../checks/check.js';
import type { Artifacts } from '../gather/artifacts.js';
import { componentShares, firstComponentShare, meanPairwiseCosine } from '../math/principal-component.js';
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
/** Components in the scree plot: anisotropy shows in the first few; ten show where the tail starts. */
export const SCREE_COMPONENTS = 10;
/**
 * Multiply-adds allowed for the scree's scatter matrix (min(n,d)² · max(n,d)): about 0.1 s with
 * the JS kernel. 128-d data keeps every geometry row, so its first share equals pc1Ratio.
 */
const SCREE_MAX_MULTIPLY_ADDS = 3e8;

interface UnitRows {
  /** Every valid sampled row, unit length. */
  readonly all: Float32Array;
  readonly allCount: number;
  /** A random subset small enough for iterative methods. */
  readonly subset: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

function unitRows(artifacts: Artifacts, context: CheckContext): UnitRows | undefined {
  return context.memo('geometry-rows', () => {
    const sample = validSample(artifacts, context);
    if (sample.count < 3) return undefined;
    const unit = normalizedCopy(sample.data, sample.count, sample.dim);
    const rows = Math.min(sample.count, Math.max(3, Math.floor(GEOMETRY_MAX_FLOATS / Math.max(1, sample.dim))));
    // A random subset, not the first rows: the sample is in row order and stores drift along it.
    const picks = sampleIndices(sample.count, rows, new Rng(artifacts.settings.seed ^ 0x9e0));
    const subset = rows === sample.count ? unit : selectRows(unit, sample.dim, picks);
    return { all: unit, allCount: sample.count, subset, rows, dim: sample.dim };
  });
}

export function geometry(artifacts: Artifacts, context: CheckContext): Geometry | undefined {
  return context.memo('geometry', () => {
    const unit = unitRows(artifacts, context);
    if (!unit) return undefined;
    const { subset, rows, dim } = unit;
    return {
      rows,
      pc1Ratio: firstComponentShare(subset, rows, dim, { centered: true, iterations: 60 }),
      pc1RatioUncentered: firstComponentShare(subset, rows, dim, { centered: false, iterations: 60 }),
      meanCosine: meanPairwiseCosine(unit.all, unit.allCount, dim),
    };
  });
}

/** Variance shares of the top principal components of the unit-normalized, centered sample (a scree). */
export function pcaScree(artifacts: Artifacts, context: CheckContext): { readonly rows: number; readonly shares: readonly number[] } | undefined {
  return context.memo('pca-scree', () => {
    const unit = unitRows(artifacts, context);
    if (!unit) return undefined;
    const rows = screeRows(unit.rows, unit.dim);
    const shares = componentShares(unit.subset, rows, unit.dim, { centered: true, components: SCREE_COMPONENTS });
    return shares.length ? { rows, shares } : undefined;
  });
}

/** The most subset rows whose scatter matrix fits the multiply-add budget (the subset is already random). */
function screeRows(available: number, dim: number): number {
  const cost = (n: number): number => Math.min(n, dim) ** 2 * Math.max(n, dim);
  if (cost(available) <= SCREE_MAX_MULTIPLY_ADDS) return available;
  let low = 3;
  let high = available;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (cost(middle) <= SCREE_MAX_MULTIPLY_ADDS) low = middle;
    else high = middle;
  }
  return low;
}
