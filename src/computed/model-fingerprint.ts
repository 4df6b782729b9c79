import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { alignmentToDirection, projectionMatrix, projectUnitRows } from '../manifest/fingerprint.js';
import { alignmentTo } from '../manifest/reference.js';
import { quantile } from '../math/quantile.js';
import { wilsonInterval } from '../math/bounds.js';
import { geometry, pcaScree } from './geometry.js';
import { validSample } from './valid-sample.js';

/** The store's rows against the model fingerprint its manifest recorded. */
export interface FingerprintComparison {
  /** 'fingerprint': the compact projected fingerprint; 'mean-direction': an older manifest's full mean direction. */
  readonly basis: 'fingerprint' | 'mean-direction';
  readonly rowsChecked: number;
  /** Median cosine of today's rows to the recorded direction. */
  readonly alignmentP50: number;
  /** The model's own (held-out) rows: 1st percentile and median of that cosine when the manifest was written. */
  readonly referenceP01: number;
  readonly referenceP50: number;
  /** Share of today's rows below the recorded 1st percentile, with its 95% interval. */
  readonly belowShare: number;
  readonly belowInterval: readonly [number, number];
  /** The typical row is less aligned than 99% of the model's own rows, and most rows are (95% bound). */
  readonly changed: boolean;
  readonly meanCosine?: { readonly now: number; readonly recorded: number };
  readonly spectrum?: { readonly now: readonly number[]; readonly recorded: readonly number[] };
  readonly medianNorm: { readonly now: number; readonly recorded: number };
}

/** Fewer sampled rows than this cannot bound a majority share tightly enough. */
export const MIN_FINGERPRINT_ROWS = 200;

export function fingerprintComparison(artifacts: Artifacts, context: CheckContext): FingerprintComparison | undefined {
  return context.memo('model-fingerprint', () => {
    const reference = artifacts.declared.reference;
    const sample = validSample(artifacts, context);
    if (!reference || reference.meanDirection.length !== sample.dim || sample.count < MIN_FINGERPRINT_ROWS) return undefined;
    const fingerprint = reference.fingerprint;
    const alignment = fingerprint
      ? alignmentToDirection(
          projectUnitRows(sample.data, sample.count, sample.dim, projectionMatrix(sample.dim, fingerprint.seed, fingerprint.dims), fingerprint.dims),
          sample.count,
          fingerprint.dims,
          fingerprint.direction,
        )
      : alignmentTo(reference.meanDirection, sample.data, sample.count, sample.dim);
    const referenceP01 = fingerprint ? fingerprint.alignment.p01 : reference.alignment.p01;
    const referenceP50 = fingerprint ? fingerprint.alignment.p50 : reference.alignment.p50;
    let below = 0;
    let measured = 0;
    for (const value of alignment) {
      if (!Number.isFinite(value)) continue;
      measured++;
      if (value < referenceP01) below++;
    }
    const sorted = Float64Array.from(alignment.filter(Number.isFinite)).sort();
    const alignmentP50 = quantile(sorted, 0.5);
    const { low, high } = wilsonInterval(below, measured);
    const now = geometry(artifacts, context);
    const scree = pcaScree(artifacts, context);
    const norms = Float64Array.from(sample.norms).sort();
    return {
      basis: fingerprint ? 'fingerprint' : 'mean-direction',
      rowsChecked: measured,
      alignmentP50,
      referenceP01,
      referenceP50,
      belowShare: measured ? below / measured : NaN,
      belowInterval: [low, high],
      changed: measured >= MIN_FINGERPRINT_ROWS && alignmentP50 < referenceP01 && low > 0.5,
      ...(fingerprint && now ? { meanCosine: { now: now.meanCosine, recorded: fingerprint.meanCosine } } : {}),
      ...(fingerprint && scree ? { spectrum: { now: scree.shares.slice(0, fingerprint.spectrum.length), recorded: fingerprint.spectrum } } : {}),
      medianNorm: { now: quantile(norms, 0.5), recorded: fingerprint?.norms.p50 ?? reference.medianNorm },
    };
  });
}
