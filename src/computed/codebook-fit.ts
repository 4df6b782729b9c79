import type { CheckContext } from '../checks/check.js';
import type { Artifacts } from '../gather/artifacts.js';
import { ivfSample, type IvfSample } from './ivf-sample.js';

/**
 * Coarse centroids that place the vectors farther from their own centroid than from the plain
 * mean of the vectors explain them worse than no clustering at all: k-means on the data itself
 * always does better (0.4–0.87 measured on 128-d text embeddings, 16–46 lists), so a ratio of 1 or
 * more means the centroids were trained on other data (another model, before normalization).
 */
export const COARSE_FIT_STALE = 1;
/**
 * k-means puts each centroid at the mean of its vectors, so residuals average to ~0 per list (≤ 0.12
 * of the residual energy measured on fresh indexes). When half the residual energy is a shared
 * offset, the vectors sit beside their centroids: the data drifted since training.
 */
export const OFFSET_DRIFT = 0.5;
/**
 * A PQ codebook trained on the data uses its centroids about evenly (≈ 0.9 of even use measured);
 * fewer than a quarter in effective use means the data lives where the codebook was not trained.
 */
export const CODE_SHARE_STALE = 0.25;
/** Half of even use: degraded, worth a warning. */
export const CODE_SHARE_WARN = 0.5;
/**
 * Range-coded SQ clamps values outside the trained range to its ends. A range trained on the data
 * puts only its extreme points there (≤ 0.06% of components measured); 1% means the values no
 * longer fit the range, 10% means the codes lose much of the vectors.
 */
export const SQ_SATURATION_WARN = 0.01;
export const SQ_SATURATION_STALE = 0.1;
/** Fewer sampled rows than this measure the coarse fit too noisily to judge. */
const MIN_FIT_ROWS = 50;

export interface CodebookFit {
  /** IVF: Σ distance to own centroid / Σ distance to the single best centre, over sampled rows. */
  readonly coarseFit?: number;
  /** IVF: share of residual energy that is a systematic offset per list (bias-corrected). */
  readonly offsetShare?: number;
  readonly rowsMeasured: number;
  /** PQ: mean and lowest effective share of codes in use over the sub-quantizers. */
  readonly codeShareMean?: number;
  readonly codeShareMin?: number;
  /** SQ: share of components at the ends of the trained range. */
  readonly saturatedShare?: number;
  readonly verdict: 'stale' | 'degraded' | 'fits' | 'unknown';
  /** Which measurements crossed their thresholds. */
  readonly reasons: readonly ('coarse-fit' | 'offset' | 'pq-codes' | 'sq-range')[];
}

export function codebookFit(artifacts: Artifacts, context: CheckContext): CodebookFit {
  return context.memo('codebook-fit', () => {
    const coarse = coarseMeasures(ivfSample(artifacts, context));
    const usage = artifacts.index?.quantizer?.usage;
    const shares = usage?.effectiveCodeShare;
    const codeShareMean = shares?.length ? shares.reduce((a, b) => a + b, 0) / shares.length : undefined;
    const codeShareMin = shares?.length ? Math.min(...shares) : undefined;
    const saturatedShare = usage?.saturatedShare;
    const stale: CodebookFit['reasons'][number][] = [];
    const degraded: CodebookFit['reasons'][number][] = [];
    if (coarse && coarse.fit >= COARSE_FIT_STALE) stale.push('coarse-fit');
    if (coarse && coarse.offset >= OFFSET_DRIFT) degraded.push('offset');
    if (codeShareMean !== undefined && codeShareMean < CODE_SHARE_STALE) stale.push('pq-codes');
    else if (codeShareMean !== undefined && codeShareMean < CODE_SHARE_WARN) degraded.push('pq-codes');
    if (saturatedShare !== undefined && saturatedShare >= SQ_SATURATION_STALE) stale.push('sq-range');
    else if (saturatedShare !== undefined && saturatedShare >= SQ_SATURATION_WARN) degraded.push('sq-range');
    const measured = coarse !== undefined || codeShareMean !== undefined || saturatedShare !== undefined;
    return {
      ...(coarse ? { coarseFit: coarse.fit, offsetShare: coarse.offset } : {}),
      rowsMeasured: coarse?.rows ?? usage?.rowsSampled ?? 0,
      ...(codeShareMean !== undefined ? { codeShareMean, codeShareMin: codeShareMin as number } : {}),
      ...(saturatedShare !== undefined ? { saturatedShare } : {}),
      verdict: stale.length ? 'stale' : degraded.length ? 'degraded' : measured ? 'fits' : 'unknown',
      reasons: [...stale, ...degraded],
    };
  });
}

/**
 * True when the stored vectors are decoded through a codebook that does not fit them (stale or
 * degraded): their norms then show the codebook more than the vectors that were added, so
 * norm-based verdicts must not rest on them.
 */
export function decodedNormsUnreliable(artifacts: Artifacts, context: CheckContext): boolean {
  if (!artifacts.source.storage.lossy) return false;
  const fit = codebookFit(artifacts, context);
  return fit.verdict !== 'fits' && fit.verdict !== 'unknown';
}

/**
 * Coarse fit in the quantizer's geometry. L2: Σ‖x − c(x)‖² / Σ‖x − x̄‖². Inner product (the
 * quantizer picks the most aligned centroid): the same on directions, Σ(1 − x̂·ĉ(x)) / Σ(1 − x̂·û)
 * with û the mean direction. Offset: per list, n·‖mean residual‖² minus its sampling noise.
 */
function coarseMeasures(sample: IvfSample | undefined): { fit: number; offset: number; rows: number } | undefined {
  if (!sample || sample.count < MIN_FIT_ROWS) return undefined;
  const { dim, count, vectors, lists, centroids } = sample;
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (vectors[i * dim + j] as number);
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / count;
  if (sample.geometry === 'ip') {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (mean[j] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / norm;
  }
  let ownDistance = 0;
  let centreDistance = 0;
  const residualSum = new Map<number, { n: number; sum: Float64Array; squares: number }>();
  for (let i = 0; i < count; i++) {
    const list = lists[i] as number;
    let toOwn = 0;
    let toCentre = 0;
    let group = residualSum.get(list);
    if (!group) residualSum.set(list, (group = { n: 0, sum: new Float64Array(dim), squares: 0 }));
    group.n++;
    for (let j = 0; j < dim; j++) {
      const x = vectors[i * dim + j] as number;
      const residual = x - (centroids[list * dim + j] as number);
      toOwn += residual * residual;
      toCentre += (x - (mean[j] as number)) ** 2;
      group.sum[j] = (group.sum[j] as number) + residual;
    }
    group.squares += toOwn;
    ownDistance += toOwn;
    centreDistance += toCentre;
  }
  // For unit vectors ‖x̂ − ĉ‖² = 2(1 − x̂·ĉ): the same ratio as the cosine form above.
  const fit = centreDistance > 0 ? ownDistance / centreDistance : NaN;
  let offset = 0;
  let energy = 0;
  for (const group of residualSum.values()) {
    if (group.n < 2) continue;
    let meanSquared = 0;
    for (let j = 0; j < dim; j++) meanSquared += ((group.sum[j] as number) / group.n) ** 2;
    const spread = group.squares - group.n * meanSquared;
    // n·‖m‖² over-states the offset by about the per-row variance (spread / (n − 1)).
    offset += group.n * meanSquared - spread / (group.n - 1);
    energy += group.squares;
  }
  return { fit, offset: energy > 0 ? Math.max(0, offset) / energy : 0, rows: count };
}
