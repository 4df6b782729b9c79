import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { meanPairwiseCosine, principalShares, rowsWithinBudget, type PrincipalShares } from '../math/principal-component.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { unitValidSample, validSample } from './valid-sample.js';

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

/** Components in the scree plot: anisotropy shows in the first few; ten show where the tail starts. */
export const SCREE_COMPONENTS = 10;

interface UnitRows {
  /** Every valid sampled row, unit length. */
  readonly all: Float32Array;
  readonly allCount: number;
  readonly dim: number;
}

function unitRows(artifacts: Artifacts, context: CheckContext): UnitRows | undefined {
  return context.memo('geometry-rows', () => {
    const sample = validSample(artifacts, context);
    if (sample.count < 3) return undefined;
    return { all: unitValidSample(artifacts, context), allCount: sample.count, dim: sample.dim };
  });
}

/** Principal-component shares of the unit-normalized sample (a random subset within the budget). */
function principal(artifacts: Artifacts, context: CheckContext): { readonly rows: number; readonly shares: PrincipalShares } | undefined {
  return context.memo('principal-shares', () => {
    const unit = unitRows(artifacts, context);
    if (!unit) return undefined;
    const rows = rowsWithinBudget(unit.allCount, unit.dim);
    // A random subset, not the first rows: the sample is in row order and stores drift along it.
    const subset = rows === unit.allCount ? unit.all : selectRows(unit.all, unit.dim, sampleIndices(unit.allCount, rows, new Rng(artifacts.settings.seed ^ 0x9e0)));
    return { rows, shares: principalShares(subset, rows, unit.dim, SCREE_COMPONENTS) };
  });
}

export function geometry(artifacts: Artifacts, context: CheckContext): Geometry | undefined {
  return context.memo('geometry', () => {
    const unit = unitRows(artifacts, context);
    const pca = principal(artifacts, context);
    if (!unit || !pca) return undefined;
    return {
      rows: pca.rows,
      pc1Ratio: pca.shares.centered[0] ?? NaN,
      pc1RatioUncentered: pca.shares.uncentered[0] ?? NaN,
      meanCosine: meanPairwiseCosine(unit.all, unit.allCount, unit.dim),
    };
  });
}

/** Variance shares of the top principal components of the unit-normalized, centered sample (a scree). */
export function pcaScree(artifacts: Artifacts, context: CheckContext): { readonly rows: number; readonly shares: readonly number[] } | undefined {
  const pca = principal(artifacts, context);
  return pca?.shares.centered.length ? { rows: pca.rows, shares: pca.shares.centered } : undefined;
}
