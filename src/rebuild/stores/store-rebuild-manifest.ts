import type { ReferenceDistribution } from '../../core/policy.js';
import { createManifest, type ManifestFields } from '../../manifest/create.js';
import type { StoreManifest } from '../../manifest/schema.js';
import type { LoadedRows } from '../load.js';
import type { CleanedRows } from '../prepare.js';
import type { RebuildOptions, RebuildPlan } from '../types.js';

export interface StoreRebuildFacts {
  readonly dim: number;
  readonly options: RebuildOptions;
  readonly plan: RebuildPlan;
  readonly loaded: LoadedRows;
  readonly cleaned: CleanedRows;
  readonly reference: ReferenceDistribution;
  readonly index: NonNullable<ManifestFields['index']>;
  /** Where the rows came from, plus anything engine-specific (rows deleted, counts the engine adds to). */
  readonly build: { readonly source: string; readonly inPlace: boolean; readonly sourceRows: number } & Readonly<Record<string, unknown>>;
}

/** The manifest a rebuild writes into a live store: the policy, the index, and what the rebuild did. */
export function storeRebuildManifest(facts: StoreRebuildFacts): StoreManifest {
  const { loaded, cleaned, options } = facts;
  return createManifest({
    dim: facts.dim,
    metric: options.metric,
    normalized: facts.plan.normalize,
    rows: cleaned.count,
    ...(options.model ? { model: options.model } : {}),
    index: facts.index,
    reference: facts.reference,
    build: {
      accepted: loaded.count,
      rejected: loaded.totals.rejected,
      rejectedByCause: { ...loaded.totals.causes },
      duplicatesRemoved: cleaned.cleaning.duplicatesRemoved,
      boilerplateMasked: cleaned.cleaning.boilerplateMasked,
      nearDuplicateDistance: cleaned.cleaning.threshold,
      seed: options.seed ?? 0,
      ...facts.build,
    },
  });
}
