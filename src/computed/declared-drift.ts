import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { codebookHash } from './codebook-hash.js';
import { alignmentTo } from '../manifest/reference.js';
import { quantile } from '../math/quantile.js';
import { validSample } from './valid-sample.js';

/** How far the stored vectors have moved from what the store's manifest recorded at build time. */
export interface DeclaredDrift {
  readonly rowsChecked: number;
  /** Share of sampled rows less aligned with the reference direction than its 1st percentile. */
  readonly foreignShare: number;
  /** What that share is on the vectors the reference was measured on (1% by construction). */
  readonly expectedShare: number;
  readonly alignmentP50: number;
  readonly referenceAlignmentP50: number;
  /** Lowest and highest row number among the out-of-distribution rows (where they sit in the store). */
  readonly foreignRowRange: readonly [number, number] | null;
  /** undefined when either side has no codebook fingerprint; false when the index's codebook differs. */
  readonly codebookMatches?: boolean;
}

const REFERENCE_QUANTILE = 0.01;

export function declaredDrift(artifacts: Artifacts, context: CheckContext): DeclaredDrift | undefined {
  return context.memo('declared-drift', () => {
    const { reference, codebook } = artifacts.declared;
    const recorded = codebook?.codebook;
    const found = recorded ? codebookHash(artifacts.index) : undefined;
    const codebookMatches = recorded && found ? recorded === found : undefined;
    const sample = validSample(artifacts, context);
    if (!reference || reference.meanDirection.length !== sample.dim || sample.count === 0) {
      return codebookMatches === undefined ? undefined : { rowsChecked: 0, foreignShare: NaN, expectedShare: REFERENCE_QUANTILE, alignmentP50: NaN, referenceAlignmentP50: NaN, foreignRowRange: null, codebookMatches };
    }
    const alignment = alignmentTo(reference.meanDirection, sample.data, sample.count, sample.dim);
    let foreign = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < sample.count; i++) {
      if (!((alignment[i] as number) < reference.alignment.p01)) continue;
      foreign++;
      const row = sample.rows[i] as number;
      first = Math.min(first, row);
      last = Math.max(last, row);
    }
    const sorted = Float64Array.from(alignment).sort();
    return {
      rowsChecked: sample.count,
      foreignShare: foreign / sample.count,
      expectedShare: REFERENCE_QUANTILE,
      alignmentP50: quantile(sorted, 0.5),
      referenceAlignmentP50: reference.alignment.p50,
      foreignRowRange: foreign ? [first, last] : null,
      ...(codebookMatches === undefined ? {} : { codebookMatches }),
    };
  });
}
