import type { ReferenceDistribution } from '../core/policy.js';
import { measureReference } from '../manifest/reference.js';
import { normalizeInPlace, selectRows } from '../math/vectors.js';
import { planCleaning, type CleanPlan } from './clean.js';
import type { LoadedRows } from './load.js';
import { reachStep } from './steps.js';
import type { RebuildOptions, RebuildPlan } from './types.js';
import { applyWhitening, fitWhitening, type Whitening } from './whiten.js';
import type { Rows } from '../core/rows.js';

/** The rows a rebuild keeps after deduplication and boilerplate masking, whatever the target. */
export interface CleanedRows extends Rows {
  readonly cleaning: CleanPlan;
}

/** The whitening fitted (if asked) and the reference distribution of the rows as written. */
export interface TransformedRows {
  readonly whitening?: Whitening;
  readonly reference: ReferenceDistribution;
}

/** Fold near-duplicates / mask boilerplate among the loaded rows (a copy only when rows are dropped). */
export function cleanRows(loaded: LoadedRows, options: RebuildOptions): CleanedRows {
  const { dim } = loaded;
  const cleaning = planCleaning(loaded.data, loaded.count, dim, { dedup: Boolean(options.dedup), maskBoilerplate: Boolean(options.maskBoilerplate), seed: options.seed ?? 0 });
  const count = cleaning.keep.length;
  const data = count === loaded.count ? loaded.data : selectRows(loaded.data, dim, cleaning.keep);
  return { data, count, dim, cleaning };
}

/** Whiten (and re-normalize) in place when asked, then measure the reference the manifest records. */
export function transformRows(rows: CleanedRows, plan: RebuildPlan, options: RebuildOptions): TransformedRows {
  const { data, count, dim } = rows;
  const whitening = options.whiten ? fitWhitening(data, count, dim) : undefined;
  if (whitening) {
    applyWhitening(whitening, data, count);
    if (plan.normalize) normalizeInPlace(data, count, dim);
  }
  return { ...(whitening ? { whitening } : {}), reference: measureReference(data, count, dim) };
}

/**
 * The steps a store rebuild runs between reading its rows and writing them: fold / mask (clean),
 * then whiten and measure (transform), each announced first (the kill tests stop at every step).
 */
export async function cleanAndTransform(loaded: LoadedRows, plan: RebuildPlan, options: RebuildOptions): Promise<{ readonly cleaned: CleanedRows; readonly reference: ReferenceDistribution }> {
  await reachStep('clean', options.onStep);
  const cleaned = cleanRows(loaded, options);
  await reachStep('transform', options.onStep);
  const { reference } = transformRows(cleaned, plan, options);
  return { cleaned, reference };
}
