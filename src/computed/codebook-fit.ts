import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { assign, kmeans } from '../math/kmeans.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
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
/**
 * Retraining gain (held-out distortion with the index's centroids / with centroids retrained on a
 * sample). The retrained side is handicapped (half the sample, or one k-means step), so a codebook
 * trained on this data scores below 1 (0.87–0.99 measured on fresh FAISS IVF indexes, nlist 2–256). A 95% lower bound above 1.05 means a retrain cuts the
 * coarse distortion by at least 5%, beyond k-means' own run-to-run spread: the codebook is stale.
 * Above 1.5 it explains the vectors far worse than a retrain would: fail.
 */
export const RETRAIN_GAIN_WARN = 1.05;
/**
 * One k-means step (too few rows for k-means) measures more than staleness: on a fresh FAISS IVF-PQ
 * index the lists' decoded rows sit off their centroid by the shared PQ codebook's bias, and FAISS's
 * 10-iteration k-means is not converged, which together gave 1.08–1.12 on a clean index. So that
 * method warns only well above that spread.
 */
export const RETRAIN_GAIN_WARN_ONE_STEP = 1.25;
export const RETRAIN_GAIN_STALE = 1.5;
/** Fewer sampled rows than this measure the coarse fit too noisily to judge. */
const MIN_FIT_ROWS = 50;
/** FAISS asks for 39 training rows per centroid: k-means with nlist centroids needs that many sampled rows. */
const TRAINING_ROWS_PER_CENTROID = 39;
/** Bootstrap resamples of the held-out rows for the interval of the retraining gain. */
const BOOTSTRAP_RESAMPLES = 400;

/** What retraining the coarse quantizer on half the sampled rows gives on the other half. */
export interface RetrainGain {
  /** Held-out distortion with the index's centroids / with the retrained ones (> 1: retraining helps). */
  readonly gain: number;
  /** 95% bootstrap interval of that ratio over the held-out rows. */
  readonly interval: readonly [number, number];
  /** 'k-means': retrained with nlist centroids; 'list-means': each list's centroid moved to its rows' mean (too few rows for k-means). */
  readonly method: 'k-means' | 'list-means';
  /** Centroids retrained (or lists moved). */
  readonly centroids: number;
  readonly trainingRows: number;
  readonly heldOutRows: number;
}

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
  /** IVF: the same sampled rows against a coarse quantizer retrained on half of them. */
  readonly retrain?: RetrainGain;
  /** Which measurements crossed their thresholds. */
  readonly reasons: readonly ('coarse-fit' | 'retrain-gain' | 'offset' | 'pq-codes' | 'sq-range')[];
}

export function codebookFit(artifacts: Artifacts, context: CheckContext): CodebookFit {
  return context.memo('codebook-fit', () => {
    const sample = ivfSample(artifacts, context);
    const coarse = coarseMeasures(sample);
    const retrain = sample ? retrainGain(sample, artifacts.settings.seed) : undefined;
    const usage = artifacts.index?.quantizer?.usage;
    const shares = usage?.effectiveCodeShare;
    const codeShareMean = shares?.length ? shares.reduce((a, b) => a + b, 0) / shares.length : undefined;
    const codeShareMin = shares?.length ? Math.min(...shares) : undefined;
    const saturatedShare = usage?.saturatedShare;
    const stale: CodebookFit['reasons'][number][] = [];
    const degraded: CodebookFit['reasons'][number][] = [];
    if (coarse && coarse.fit >= COARSE_FIT_STALE) stale.push('coarse-fit');
    const retrainLow = retrain?.interval[0];
    if (retrainLow !== undefined && retrainLow > RETRAIN_GAIN_STALE) stale.push('retrain-gain');
    else if (retrainLow !== undefined && retrainLow > (retrain?.method === 'k-means' ? RETRAIN_GAIN_WARN : RETRAIN_GAIN_WARN_ONE_STEP)) degraded.push('retrain-gain');
    // An offset a retrain would not remove (the retrained centroids do no better) is no reason to retrain.
    const retrainUseless = retrain !== undefined && retrain.interval[1] < 1;
    if (coarse && coarse.offset >= OFFSET_DRIFT && !retrainUseless) degraded.push('offset');
    if (codeShareMean !== undefined && codeShareMean < CODE_SHARE_STALE) stale.push('pq-codes');
    else if (codeShareMean !== undefined && codeShareMean < CODE_SHARE_WARN) degraded.push('pq-codes');
    if (saturatedShare !== undefined && saturatedShare >= SQ_SATURATION_STALE) stale.push('sq-range');
    else if (saturatedShare !== undefined && saturatedShare >= SQ_SATURATION_WARN) degraded.push('sq-range');
    const measured = coarse !== undefined || codeShareMean !== undefined || saturatedShare !== undefined;
    return {
      ...(coarse ? { coarseFit: coarse.fit, offsetShare: coarse.offset } : {}),
      ...(retrain ? { retrain } : {}),
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

/**
 * Retrain the coarse quantizer on a seeded half of the sampled rows and compare the held-out
 * half's distortion: to the centroid of the list each row is stored in, and to the retrained
 * centroids. Held-out rows keep the comparison honest (a fit always suits its own training rows),
 * and the retrained side is handicapped (fewer rows), so a gain above 1 is a lower estimate of
 * what a real retrain gives. With enough rows (39 per centroid) it is k-means with the index's
 * nlist; with more lists than that allows, one k-means step on the index's own lists (each
 * centroid moved to the mean of its training rows), which a retrain can only improve on.
 */
export function retrainGain(sample: IvfSample, seed: number): RetrainGain | undefined {
  const { dim, count, vectors, centroids, geometry } = sample;
  const nlist = sample.ivf.nlist;
  const trainingCount = Math.floor(count / 2);
  if (count < 2 * MIN_FIT_ROWS || nlist < 2) return undefined;
  const rng = new Rng(seed ^ 0xc0de);
  const training = new Set(sampleIndices(count, trainingCount, rng));
  const heldOut: number[] = [];
  for (let i = 0; i < count; i++) if (!training.has(i)) heldOut.push(i);
  const test = selectRows(vectors, dim, heldOut);
  // Directions are compared as directions: the retrained centroids are unit length, and the index's
  // (an L2 k-means over unit rows leaves them shorter) must be too, or 1 − x·c favours the retrain.
  const current = geometry === 'ip' ? unitRows(centroids, nlist, dim) : centroids;
  const now = new Float64Array(heldOut.length);
  for (let t = 0; t < heldOut.length; t++) now[t] = distanceTo(sample, heldOut[t] as number, current);
  let after: Float64Array;
  let method: RetrainGain['method'];
  let fitted: number;
  if (trainingCount >= nlist * TRAINING_ROWS_PER_CENTROID) {
    const retrained = kmeans({ data: selectRows(vectors, dim, [...training]), count: trainingCount, dim }, { k: nlist, geometry, seed: seed ^ 0x5eed });
    after = Float64Array.from(assign({ data: test, count: heldOut.length, dim }, { data: retrained, count: nlist, dim }, geometry).distance);
    method = 'k-means';
    fitted = nlist;
  } else {
    const refit = listMeans(sample, [...training]);
    after = Float64Array.from(heldOut, (row) => distanceTo(sample, row, refit.centroids));
    method = 'list-means';
    fitted = refit.moved;
  }
  const ratio = (picks: (t: number) => number): number => {
    let a = 0;
    let b = 0;
    for (let t = 0; t < heldOut.length; t++) {
      const pick = picks(t);
      a += now[pick] as number;
      b += after[pick] as number;
    }
    return b > 0 ? a / b : NaN;
  };
  const gain = ratio((t) => t);
  const resampled: number[] = [];
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) resampled.push(ratio(() => rng.nextInt(heldOut.length)));
  resampled.sort((a, b) => a - b);
  const at = (q: number): number => resampled[Math.min(resampled.length - 1, Math.floor(q * resampled.length))] as number;
  return { gain, interval: [at(0.025), at(0.975)], method, centroids: fitted, trainingRows: trainingCount, heldOutRows: heldOut.length };
}

/** A copy of `rows` scaled to unit length (zero rows stay zero). */
function unitRows(rows: Float32Array, count: number, dim: number): Float32Array {
  const unit = Float32Array.from(rows);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (rows[r * dim + j] as number) ** 2;
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) unit[r * dim + j] = (rows[r * dim + j] as number) * scale;
  }
  return unit;
}

/** Squared L2 (positions) or 1 − cosine (directions) from a sampled row to the centroid of its list among `centroids`. */
function distanceTo(sample: IvfSample, row: number, centroids: Float32Array): number {
  const { vectors, dim, geometry } = sample;
  const list = sample.lists[row] as number;
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    const x = vectors[row * dim + j] as number;
    const c = centroids[list * dim + j] as number;
    sum += geometry === 'l2' ? (x - c) ** 2 : x * c;
  }
  return geometry === 'l2' ? sum : 1 - sum;
}

/** Each list's centroid moved to the mean of its training rows (unit length for directions); lists without rows keep theirs. */
function listMeans(sample: IvfSample, rows: readonly number[]): { centroids: Float32Array; moved: number } {
  const { vectors, lists, centroids, dim, geometry } = sample;
  const nlist = sample.ivf.nlist;
  const sums = new Float64Array(nlist * dim);
  const sizes = new Int32Array(nlist);
  for (const row of rows) {
    const list = lists[row] as number;
    sizes[list] = (sizes[list] as number) + 1;
    for (let j = 0; j < dim; j++) sums[list * dim + j] = (sums[list * dim + j] as number) + (vectors[row * dim + j] as number);
  }
  const refit = Float32Array.from(centroids);
  let moved = 0;
  for (let list = 0; list < nlist; list++) {
    const size = sizes[list] as number;
    if (size === 0) continue;
    moved++;
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += ((sums[list * dim + j] as number) / size) ** 2;
    const scale = geometry === 'ip' ? (norm > 0 ? 1 / Math.sqrt(norm) : 0) : 1;
    for (let j = 0; j < dim; j++) refit[list * dim + j] = ((sums[list * dim + j] as number) / size) * (geometry === 'ip' ? scale : 1);
  }
  return { centroids: refit, moved };
}
