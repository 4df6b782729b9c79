import { round } from '../core/format.js';
import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { meanPairwiseCosine, principalShares } from '../math/principal-component.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { normalizedCopy, selectRows } from '../math/vectors.js';
import { rowsWithinBudget } from '../math/principal-component.js';
import { geometry } from './geometry.js';
import { crossMatch, type CrossMatch } from './model-relation.js';
import { unitValidSample, validQueries, validSample } from './valid-sample.js';

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
  /** Indistinguishable from whitened vectors: an isotropic spectrum over real neighbourhood structure. */
  readonly whitened: boolean;
  /**
   * An isotropic spectrum and no neighbourhood structure either: rows match their nearest rows no
   * better than with their coordinates randomly permuted. Random vectors (a mock or broken
   * embedder), not whitened embeddings, which keep their neighbours.
   */
  readonly random: boolean;
  /** Rows' top-5 cosine above chance (see model-relation.ts), measured when the spectrum is isotropic. */
  readonly structure?: { readonly excess: number; readonly excessError: number };
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
/** One-sided 99.9% quantile: structure counts when its lower bound is above 0. */
const STRUCTURE_Z = 3.09;
/** Fewer rows than this and neither spectrum nor mean direction says anything. */
const MIN_ROWS = 30;

/** Largest-eigenvalue share of an isotropic sample's covariance: the Marchenko–Pastur upper edge. */
export function isotropicTopShare(rows: number, dim: number): number {
  return (1 + Math.sqrt(dim / rows)) ** 2 / dim;
}

function judge(rows: number, dim: number, pc1Share: number, meanCosine: number, structureOf: () => CrossMatch | undefined): Isotropy | undefined {
  if (rows < MIN_ROWS || !Number.isFinite(pc1Share) || !Number.isFinite(meanCosine)) return undefined;
  const isotropicShare = isotropicTopShare(rows, dim);
  const isotropic = pc1Share <= WHITE_EDGE_FACTOR * isotropicShare && Math.abs(meanCosine) <= WHITE_MAX_MEAN_COSINE;
  // Only an isotropic spectrum needs the (costlier) neighbourhood test.
  const structure = isotropic ? structureOf() : undefined;
  // No structure detectable at all: the excess's lower 99.9% bound reaches 0.
  const random = !!structure && structure.excess - STRUCTURE_Z * structure.excessError <= 0;
  return {
    rows,
    pc1Share,
    isotropicShare,
    meanCosine,
    whitened: isotropic && !random,
    random,
    ...(structure ? { structure: { excess: structure.excess, excessError: structure.excessError } } : {}),
    anisotropic: pc1Share > ANISOTROPIC_EDGE_FACTOR * isotropicShare && meanCosine > ANISOTROPIC_MIN_MEAN_COSINE,
  };
}

/** Held-out rows' top-5 cosine to the other rows, against the chance level of unrelated coordinates. */
function neighbourhoodStructure(unit: Float32Array, count: number, dim: number, seed: number): CrossMatch | undefined {
  if (count < 2 * MIN_ROWS) return undefined;
  const rng = new Rng(seed ^ 0x7a3);
  const probes = Math.min(60, Math.floor(count / 2));
  const picked = sampleIndices(count, Math.min(count, probes + 400), rng);
  const held = new Set(sampleIndices(picked.length, probes, rng));
  const probeRows = selectRows(
    unit,
    dim,
    picked.filter((_, i) => held.has(i)),
  );
  const poolRows = selectRows(
    unit,
    dim,
    picked.filter((_, i) => !held.has(i)),
  );
  return crossMatch({ data: probeRows, count: probes, dim }, { data: poolRows, count: picked.length - probes, dim }, { rng });
}

/** The stored vectors' isotropy, from the sample's geometry. */
export function storeIsotropy(artifacts: Artifacts, context: CheckContext): Isotropy | undefined {
  const shape = geometry(artifacts, context);
  if (!shape) return undefined;
  return context.memo('store-isotropy', () => {
    const valid = validSample(artifacts, context);
    return judge(shape.rows, artifacts.sample.dim, shape.pc1Ratio, shape.meanCosine, () => neighbourhoodStructure(unitValidSample(artifacts, context), valid.count, valid.dim, artifacts.settings.seed));
  });
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
    return judge(rows, queries.dim, shares.centered[0] ?? NaN, meanPairwiseCosine(unit, queries.count, queries.dim), () => neighbourhoodStructure(unit, queries.count, queries.dim, artifacts.settings.seed));
  });
}

/** The spectrum facts a finding shows as evidence. */
export function isotropyEvidence(shape: Isotropy): Record<string, number> {
  return {
    pc1Share: round(shape.pc1Share, 5),
    isotropicShare: round(shape.isotropicShare, 5),
    meanCosine: round(shape.meanCosine, 4),
    isotropyRows: shape.rows,
    ...(shape.structure ? { neighbourExcess: round(shape.structure.excess, 4), neighbourExcessError: round(shape.structure.excessError, 4) } : {}),
  };
}
