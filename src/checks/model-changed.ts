import { count, figure, percent, round } from '../core/format.js';
import { fingerprintComparison, MIN_FINGERPRINT_ROWS } from '../computed/model-fingerprint.js';
import { FINGERPRINT_DIMS } from '../manifest/fingerprint.js';
import { defineCheck, notRun } from './check.js';

export default defineCheck({
  meta: {
    code: 'model-changed',
    title: 'The vectors come from the model the manifest records',
    failureTitle: 'These vectors are not from the model the manifest records',
    description:
      'When a store is refilled by another embedding model (a same-dimension swap or upgrade) every row changes at once, so ' +
      'nothing inside the store looks mixed and unit-norm checks pass, yet queries embedded with the recorded model ' +
      '(and the index, its codebooks and its whitening) no longer match the vectors. `guard` and `rebuild` record a compact ' +
      "fingerprint of the model's geometry in the store manifest; this check compares today's rows with it.",
    decides:
      `The manifest's fingerprint keeps the mean direction of the model's unit vectors as a seeded Gaussian projection to ${FINGERPRINT_DIMS} dimensions, ` +
      "and the 1st percentile and median of held-out rows' cosine to it (each half of the build rows against the direction fitted on the other half: the sampling null). " +
      "Sampled rows are projected the same way. Fails when the typical row is less aligned than 99% of the model's own rows (median below the recorded 1st percentile) " +
      `and the 95% lower bound of the share of rows below it exceeds 50%, with at least ${MIN_FINGERPRINT_ROWS} rows. ` +
      "The same model with other documents keeps its direction (the anisotropy is the model's, not the topics'); another model lives in unrelated coordinates. " +
      "A minority of foreign rows is left to `stale-codebook`'s manifest evidence. Manifests written before the fingerprint fall back to their full mean direction (in-sample percentiles). " +
      'A model whose rows share no direction (whitened, isotropic) gives a recorded 1st percentile near or below 0: the check then cannot fail, by construction.',
    evidence: {
      basis: "'fingerprint' (compact projection) or 'mean-direction' (a manifest written before the fingerprint)",
      alignmentP50: "median cosine of today's sampled rows to the recorded direction",
      referenceP01: "1st percentile of that cosine on the model's own held-out rows",
      referenceP50: "median of that cosine on the model's own held-out rows",
      belowShare: "share of today's rows below referenceP01 (0.01 expected)",
      belowInterval: '95% interval of that share',
      rowsChecked: 'sampled rows compared',
      meanCosine: 'mean pairwise cosine now and as recorded (another model has another anisotropy)',
      spectrum: 'top centered principal-component shares now and as recorded',
      medianNorm: 'median row norm now and as recorded',
      manifest: 'the manifest compared against',
    },
    labels: ['No.8'],
    requiredArtifacts: ['sample', 'declared'],
    fix:
      'Embed queries with the model that produced these vectors, or re-embed the corpus with the recorded model; if the change is intended, ' +
      'rebuild so the index, its codebooks and the manifest are written for the new model: `vectorclinic rebuild <vectors> --metric <m> --model <name> --apply`.',
  },
  run(artifacts, context) {
    const { declared, sample } = artifacts;
    if (!declared.reference) return notRun('no model fingerprint to compare with: `vectorclinic guard` or `rebuild` records one in the store manifest');
    if (declared.reference.meanDirection.length !== sample.dim) return notRun(`the manifest records ${declared.reference.meanDirection.length} dimensions, the store holds ${sample.dim} (see dimension-mismatch)`);
    if (sample.count < MIN_FINGERPRINT_ROWS) return notRun(`too few rows to compare with the fingerprint: needs at least ${MIN_FINGERPRINT_ROWS} sampled rows, the store gave ${sample.count}`);
    const comparison = fingerprintComparison(artifacts, context);
    if (!comparison?.changed) return null;
    const manifest = artifacts.declared.manifest ?? null;
    const model = artifacts.declared.model ? ` (${artifacts.declared.model})` : '';
    const extras: string[] = [];
    if (comparison.meanCosine) extras.push(`mean pairwise cosine ${figure(comparison.meanCosine.now, 3)} vs ${figure(comparison.meanCosine.recorded, 3)} recorded`);
    if (comparison.spectrum?.now.length && comparison.spectrum.recorded.length) {
      extras.push(`PC1 share ${percent(comparison.spectrum.now[0] as number, 1)} vs ${percent(comparison.spectrum.recorded[0] as number, 1)}`);
    }
    return {
      severity: 'fail',
      message:
        `These vectors are not from the model the manifest records${model}: the median row's cosine to the recorded model direction is ${figure(comparison.alignmentP50, 3)}, ` +
        `below the ${figure(comparison.referenceP01, 3)} that 99% of the model's own rows exceed (median ${figure(comparison.referenceP50, 3)}); ` +
        `${percent(comparison.belowShare, 1)} of ${count(comparison.rowsChecked)} sampled rows fall below it (1% expected)` +
        `${extras.length ? `; ${extras.join(', ')}` : ''}. The store was refilled by another model, or the manifest belongs to another store.`,
      evidence: {
        basis: comparison.basis,
        alignmentP50: round(comparison.alignmentP50, 4),
        referenceP01: comparison.referenceP01,
        referenceP50: comparison.referenceP50,
        belowShare: round(comparison.belowShare, 4),
        belowInterval: comparison.belowInterval.map((value) => round(value, 4)),
        rowsChecked: comparison.rowsChecked,
        meanCosine: comparison.meanCosine ? { now: round(comparison.meanCosine.now, 4), recorded: comparison.meanCosine.recorded } : null,
        spectrum: comparison.spectrum ? { now: comparison.spectrum.now.map((share) => round(share, 4)), recorded: [...comparison.spectrum.recorded] } : null,
        medianNorm: { now: round(comparison.medianNorm.now, 4), recorded: comparison.medianNorm.recorded },
        manifest,
      },
    };
  },
});
