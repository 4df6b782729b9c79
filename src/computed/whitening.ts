import { round } from '../core/format.js';
import type { CheckContext } from '../checks/check.js';
import type { Artifacts } from '../gather/artifacts.js';
import { meanPairwiseCosine, principalShares } from '../math/principal-component.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { normalizedCopy, selectRows } from '../math/vectors.js';
import { geometry, rowsWithinBudget } from './geometry.js';
import { validQueries } from './valid-sample.js';

/**
 * Whitened vectors (centered, decorrelated, equal variance in every direction) have the spectrum of
 * isotropic noise: PC1 at the Marchenko–Pastur edge and a mean pairwise cosine of 0. A model's own
 * vectors never look like that: they share a mean direction and a few dominant components.
 */
export interface Isotropy {
  /** Rows the spectrum was measured on. */
  readonly rows: number;
  /** PC1's share of variance (unit rows, centered). */
  readonly pc1Share: number;
  /** PC1's share that isotropic data of this size shows: (1 + √(d/n))² / d. */
  readonly isotropicShare: number;
  readonly meanCosine: number;
  /** Indistinguishable from whitened vectors. */
  readonly whitened: boolean;
  /** Clearly a model's raw geometry (a dominant direction and a shared mean). */
  readonly anisotropic: boolean;
}

/** Sampling noise puts PC1 of isotropic data within this factor of the edge (whitened fastText: 1.13). */
const WHITE_EDGE_FACTOR = 1.5;
/** Whitening centers the vectors; a centered sample's mean pairwise cosine is ~0. */
const WHITE_MAX_MEAN_COSINE = 0.05;
/**
 * Raw model vectors show PC1 several times the edge (fastText 8×, others more) and a shared mean
 * direction (fastText 0.69). Both are required: queries from another distribution than the one the
 * whitening was fitted on keep some of both (measured 2.9× and 0.11) without being raw.
 */
const ANISOTROPIC_EDGE_FACTOR = 3;
const ANISOTROPIC_MIN_MEAN_COSINE = 0.3;
/** Fewer rows than this and neither spectrum nor mean direction says anything. */
const MIN_ROWS = 30;

/** Largest-eigenvalue share of an isotropic sample's covariance: the Marchenko–Pastur upper edge. */
export function isotropicTopShare(rows: number, dim: number): number {
  return (1 + Math.sqrt(dim / rows)) ** 2 / dim;
}

function judge(rows: number, dim: number, pc1Share: number, meanCosine: number): Isotropy | undefined {
  if (rows < MIN_ROWS || !Number.isFinite(pc1Share) || !Number.isFinite(meanCosine)) return undefined;
  const isotropicShare = isotropicTopShare(rows, dim);
  return {
    rows,
    pc1Share,
    isotropicShare,
    meanCosine,
    whitened: pc1Share <= WHITE_EDGE_FACTOR * isotropicShare && Math.abs(meanCosine) <= WHITE_MAX_MEAN_COSINE,
    anisotropic: pc1Share > ANISOTROPIC_EDGE_FACTOR * isotropicShare && meanCosine > ANISOTROPIC_MIN_MEAN_COSINE,
  };
}

/** The stored vectors' isotropy, from the sample's geometry. */
export function storeIsotropy(artifacts: Artifacts, context: CheckContext): Isotropy | undefined {
  const shape = geometry(artifacts, context);
  return shape ? judge(shape.rows, artifacts.sample.dim, shape.pc1Ratio, shape.meanCosine) : undefined;
}

/** The --queries' isotropy, measured the same way. */
export function queryIsotropy(artifacts: Artifacts, context: CheckContext): Isotropy | undefined {
  return context.memo('query-isotropy', () => {
    const queries = validQueries(artifacts, context);
    if (!queries || queries.count < MIN_ROWS) return undefined;
    const unit = normalizedCopy(queries.data, queries.count, queries.dim);
    const rows = rowsWithinBudget(queries.count, queries.dim);
    const subset = rows === queries.count ? unit : selectRows(unit, queries.dim, sampleIndices(queries.count, rows, new Rng(artifacts.settings.seed ^ 0x51d)));
    const shares = principalShares(subset, rows, queries.dim, 1);
    return judge(rows, queries.dim, shares.centered[0] ?? NaN, meanPairwiseCosine(unit, queries.count, queries.dim));
  });
}

/** The spectrum facts a finding shows as evidence. */
export function isotropyEvidence(shape: Isotropy): Record<string, number> {
  return { pc1Share: round(shape.pc1Share, 5), isotropicShare: round(shape.isotropicShare, 5), meanCosine: round(shape.meanCosine, 4), isotropyRows: shape.rows };
}
