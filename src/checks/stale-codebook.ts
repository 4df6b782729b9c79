import { count, figure, percent, round } from '../core/format.js';
import {
  CODE_SHARE_STALE,
  CODE_SHARE_WARN,
  COARSE_FIT_STALE,
  codebookFit,
  OFFSET_DRIFT,
  RETRAIN_GAIN_STALE,
  RETRAIN_GAIN_WARN,
  RETRAIN_GAIN_WARN_ONE_STEP,
  SQ_SATURATION_STALE,
  SQ_SATURATION_WARN,
  type CodebookFit,
} from '../computed/codebook-fit.js';
import { declaredDrift } from '../computed/declared-drift.js';
import { fingerprintComparison } from '../computed/model-fingerprint.js';
import type { Artifacts } from '../gather/artifacts.js';
import { wilsonInterval } from '../math/bounds.js';
import type { CheckContext } from '../computed/check-context.js';
import { defineCheck, notRun, partlyRun, type CheckReturn, type CheckResult } from './check.js';

/**
 * Manifest evidence. By construction 1% of the reference rows fall below its 1st percentile of
 * alignment. Three times that (and clearly above it given the sample) means a second population;
 * one row in ten from elsewhere already puts a foreign row into most top-10 lists.
 */
const FOREIGN_WARN_SHARE = 0.03;
const FOREIGN_FAIL_SHARE = 0.1;
/** The share's 95% lower bound must clear this, so small samples cannot warn by chance. */
const SIGNIFICANT_SHARE = 0.015;
const MIN_ROWS = 200;
/** Index types that are trained (IVF lists, PQ/SQ codes): a codebook missing from the artifacts was unreadable, not absent. */
const TRAINED_INDEX = /ivf|pq|sq/i;

export default defineCheck({
  meta: {
    code: 'stale-codebook',
    title: 'Codebooks fit the vectors they hold',
    failureTitle: 'The index codebooks were trained for other vectors',
    description:
      'IVF centroids and PQ/SQ codebooks are trained once, on the data of that day. When the embedding model is ' +
      'swapped, vectors are normalized or whitened differently, or the corpus drifts, new vectors are still filed ' +
      'under the old centroids and encoded with the old codes: lists fill unevenly, PQ decodes every vector to a ' +
      'handful of centroids, and recall drops while every search still returns ten plausible-looking results. ' +
      'With a store manifest (written by `vectorclinic rebuild`/`guard`), vectors added later by another model are caught ' +
      'even without an index: the manifest records the mean direction of the vectors the store was built from and how tightly rows align with it.',
    decides:
      `IVF: over sampled rows, the distance to their own coarse centroid against the distance to a single centre (their mean) in the quantizer's geometry; fails at ${COARSE_FIT_STALE} or more ` +
      `(the centroids explain the vectors no better than one point), warns when over ${percent(OFFSET_DRIFT, 0)} of the residual energy is a shared offset per list (unless a retrain measurably would not help). ` +
      `Retraining: the coarse quantizer refitted in its own geometry on a seeded half of the sampled rows — k-means with nlist centroids when there are 39 rows per centroid, else one k-means step (each list's centroid moved to the mean of its rows) — ` +
      `and the other half's distortion with the index's centroids over that with the refitted ones, with a 95% bootstrap interval. ` +
      `The refit is handicapped (half the rows, or a single step), so a codebook trained on this data scores below 1; warns when the interval's lower bound exceeds ${RETRAIN_GAIN_WARN} (a retrain measurably helps; ${RETRAIN_GAIN_WARN_ONE_STEP} for the single step, which on a fresh IVF-PQ index also measures the shared PQ codebook's per-list bias and FAISS's unconverged k-means: 1.08–1.12 on a clean one), fails above ${RETRAIN_GAIN_STALE}. ` +
      `PQ: exp(entropy) of each sub-quantizer's code use relative to even use over the stored codes; fails under ${percent(CODE_SHARE_STALE, 0)}, warns under ${percent(CODE_SHARE_WARN, 0)}. ` +
      `SQ: share of components at the ends of the trained range; warns from ${percent(SQ_SATURATION_WARN, 0)}, fails from ${percent(SQ_SATURATION_STALE, 0)}. ` +
      `Manifest: the share of sampled rows whose cosine to the recorded mean direction is below the recorded 1st percentile (1% expected); warns from ${percent(FOREIGN_WARN_SHARE, 0)} ` +
      `(when its 95% lower bound exceeds ${percent(SIGNIFICANT_SHARE, 1)}), fails from ${percent(FOREIGN_FAIL_SHARE, 0)}, with at least ${MIN_ROWS} rows; warns when the index's codebook no longer hashes to the manifest's fingerprint. ` +
      'With neither a codebook nor a store manifest (a plain vector file, an HNSW or flat index) it does not run.',
    evidence: {
      coarseFit: 'Σ distance to own centroid / Σ distance to the mean (≥ 1: centroids do not fit)',
      retrainGain: 'held-out distortion with the index centroids / with centroids retrained on a sample (> 1: retraining helps)',
      retrainGainInterval: '95% bootstrap interval of retrainGain over the held-out rows',
      retrainCentroids: "how the quantizer was refitted ('k-means' or 'list-means'), the centroids refitted, and the rows it was fitted and judged on",
      offsetShare: 'share of residual energy that is a per-list offset (vectors beside, not around, their centroid)',
      pqCodeShareMean: 'mean effective share of PQ codes in use (1 = even use of all centroids)',
      pqCodeShareMin: 'the lowest sub-quantizer share',
      sqSaturatedShare: 'share of SQ components clamped at either end of the trained range',
      rowsMeasured: 'sampled rows (IVF) or stored codes (PQ/SQ) measured',
      reasons: "which measurements found the codebook stale or degraded: 'coarse-fit', 'retrain-gain', 'offset', 'pq-codes', 'sq-range'",
      decodedNormP50: 'median norm of the decoded vectors (PQ: unit vectors decode near 0.95–0.99 with a fitting codebook)',
      foreignShare: 'manifest: share of sampled rows outside the recorded distribution',
      expectedShare: 'manifest: that share on the vectors the manifest was built from (0.01)',
      alignmentP50: "manifest: median cosine of today's rows to the recorded mean direction",
      referenceAlignmentP50: 'manifest: the same median when the manifest was written',
      foreignRowRange: 'manifest: lowest and highest row number among the foreign rows',
      codebookMatches: "manifest: whether the index's codebook still matches the manifest's fingerprint",
      manifest: 'the manifest compared against',
    },
    labels: ['No.8', 'No.14'],
    requiredArtifacts: ['sample', 'rowStats', 'declared', 'source', 'settings'],
    optionalArtifacts: ['index'],
    fix: 'Retrain the index on the vectors it now holds (after any model change, normalization or whitening), then re-add them: `vectorclinic rebuild <vectors> --metric <m>`; keep the model, preprocessing and index build in one versioned step.',
  },
  run(artifacts, context) {
    const results = [...codebookResults(artifacts, context), ...manifestResults(artifacts, context)];
    if (results.length > 0) return results;
    return coverage(artifacts, context);
  },
});

/** Nothing found: say which evidence was actually measured, so a store with no codebook is not shown as passing. */
function coverage(artifacts: Artifacts, context: CheckContext): CheckReturn {
  const codebookMeasured = artifacts.index !== undefined && codebookFit(artifacts, context).verdict !== 'unknown';
  const drift = declaredDrift(artifacts, context);
  const manifestMeasured = drift !== undefined && (drift.rowsChecked >= MIN_ROWS || drift.codebookMatches !== undefined);
  if (codebookMeasured) return null;
  const type = artifacts.index?.type;
  const noCodebook = !type
    ? 'a plain vector file has no codebook (IVF centroids, PQ or SQ codes): check the index file or store built from these vectors'
    : TRAINED_INDEX.test(type)
      ? `the codebook of this ${type} index could not be read from the store, so its fit was not measured`
      : `this ${type} index has no trained codebook (IVF centroids, PQ or SQ codes)`;
  if (manifestMeasured) return partlyRun('Stored vectors fit the distribution the store manifest recorded', noCodebook);
  return notRun(`${noCodebook}; and no store manifest (written by \`vectorclinic rebuild\` or \`guard\`) records the vectors the store was built from`);
}

function explain(fit: CodebookFit, type: string): string {
  const parts: string[] = [];
  if (fit.coarseFit !== undefined && fit.reasons.includes('coarse-fit')) {
    parts.push(
      `The ${type} coarse centroids do not fit the stored vectors: their distance to their own centroid is ${figure(fit.coarseFit, 3)}× their distance to the plain mean of the vectors (k-means on this data gives well under 1), measured on ${count(fit.rowsMeasured)} sampled rows.`,
    );
  }
  if (fit.retrain && fit.reasons.includes('retrain-gain')) {
    const { gain, interval, method, centroids, trainingRows, heldOutRows } = fit.retrain;
    const how =
      method === 'k-means'
        ? `${count(centroids)} centroids retrained by k-means on ${count(trainingRows)} sampled rows`
        : `the ${count(centroids)} lists' centroids moved to the mean of their rows (one k-means step on ${count(trainingRows)} sampled rows)`;
    parts.push(
      `Retraining would measurably help: ${how} place ${count(heldOutRows)} held-out rows ${figure(gain, 3)}× closer than the index's own centroids (95% interval ${figure(interval[0], 3)}–${figure(interval[1], 3)}; a codebook trained on this data scores under 1), so the centroids were trained for other vectors (before whitening or normalization, or another model).`,
    );
  }
  if (fit.offsetShare !== undefined && fit.reasons.includes('offset')) {
    parts.push(`${percent(fit.offsetShare, 0)} of the vectors' offset from their centroid is shared within each list: the vectors sit beside their centroids, not around them.`);
  }
  if (fit.codeShareMean !== undefined && fit.reasons.includes('pq-codes')) {
    parts.push(
      `The PQ codebook is barely used: on average ${percent(fit.codeShareMean, 0)} of its centroids are in effective use per sub-quantizer (lowest ${percent(fit.codeShareMin ?? NaN, 0)}; a codebook trained on this data uses about 90%), so most vectors decode to the same few points.`,
    );
  }
  if (fit.saturatedShare !== undefined && fit.reasons.includes('sq-range')) {
    parts.push(`${percent(fit.saturatedShare, 2)} of the scalar-quantized values sit at the ends of the trained range: the vectors fall outside the range the quantizer was trained for and are clamped.`);
  }
  return parts.join(' ');
}

function decodedNote(fit: CodebookFit, normP50: number, lossy: boolean): string {
  if (!lossy || !fit.reasons.includes('pq-codes')) return '';
  return `The decoded vectors have median norm ${figure(normP50, 3)}; their norms and neighbours reflect the codebook more than the data.`;
}

/** Index-internal evidence: coarse centroids, PQ code use, SQ range against the stored vectors. */
function codebookResults(artifacts: Artifacts, context: CheckContext): CheckResult[] {
  const index = artifacts.index;
  if (!index) return [];
  const fit = codebookFit(artifacts, context);
  if (fit.verdict === 'fits' || fit.verdict === 'unknown') return [];
  return [
    {
      severity: fit.verdict === 'stale' ? 'fail' : 'warn',
      message: `${explain(fit, index.type)} ${decodedNote(fit, artifacts.rowStats.norms.p50, artifacts.source.storage.lossy)}`.trim(),
      evidence: {
        coarseFit: fit.coarseFit === undefined ? null : round(fit.coarseFit, 4),
        offsetShare: fit.offsetShare === undefined ? null : round(fit.offsetShare, 4),
        retrainGain: fit.retrain ? round(fit.retrain.gain, 4) : null,
        retrainGainInterval: fit.retrain ? fit.retrain.interval.map((value) => round(value, 4)) : null,
        retrainCentroids: fit.retrain ? { method: fit.retrain.method, centroids: fit.retrain.centroids, trainingRows: fit.retrain.trainingRows, heldOutRows: fit.retrain.heldOutRows } : null,
        pqCodeShareMean: fit.codeShareMean === undefined ? null : round(fit.codeShareMean, 4),
        pqCodeShareMin: fit.codeShareMin === undefined ? null : round(fit.codeShareMin, 4),
        sqSaturatedShare: fit.saturatedShare === undefined ? null : round(fit.saturatedShare, 5),
        rowsMeasured: fit.rowsMeasured,
        decodedNormP50: artifacts.source.storage.lossy ? round(artifacts.rowStats.norms.p50, 4) : null,
        reasons: [...fit.reasons],
      },
    },
  ];
}

/** Manifest evidence: rows from another model than the one the store's policy was built with. */
function manifestResults(artifacts: Artifacts, context: CheckContext): CheckResult[] {
  const drift = declaredDrift(artifacts, context);
  if (!drift) return [];
  const manifest = artifacts.declared.manifest ?? null;
  const results: CheckResult[] = [];
  // A store refilled entirely by another model is model-changed's finding, not rows added later.
  const refilled = fingerprintComparison(artifacts, context)?.changed === true;
  if (drift.rowsChecked >= MIN_ROWS && !refilled) {
    const foreign = Math.round(drift.foreignShare * drift.rowsChecked);
    const { low } = wilsonInterval(foreign, drift.rowsChecked);
    if (drift.foreignShare >= FOREIGN_WARN_SHARE && low > SIGNIFICANT_SHARE) {
      const where = drift.foreignRowRange ? ` (rows ${count(drift.foreignRowRange[0])}–${count(drift.foreignRowRange[1])})` : '';
      results.push({
        severity: drift.foreignShare >= FOREIGN_FAIL_SHARE ? 'fail' : 'warn',
        message:
          `${percent(drift.foreignShare, 1)} of ${count(drift.rowsChecked)} sampled rows${where} lie outside the distribution the store was built from ` +
          `(1% expected; median alignment with the recorded direction ${figure(drift.alignmentP50, 3)} vs ${figure(drift.referenceAlignmentP50, 3)} at build): ` +
          'vectors from another model were added after the store was built.',
        evidence: {
          foreignShare: round(drift.foreignShare, 4),
          expectedShare: drift.expectedShare,
          alignmentP50: round(drift.alignmentP50, 4),
          referenceAlignmentP50: drift.referenceAlignmentP50,
          foreignRowRange: drift.foreignRowRange ? [...drift.foreignRowRange] : null,
          manifest,
        },
      });
    }
  }
  if (drift.codebookMatches === false) {
    results.push({
      severity: 'warn',
      message: "The index's codebook is not the one the manifest recorded: it was retrained or replaced outside the policy, so the manifest no longer describes it.",
      evidence: { codebookMatches: false, manifest },
      fix: 'Rebuild with `vectorclinic rebuild --apply` so the index and its manifest are written together.',
    });
  }
  return results;
}
