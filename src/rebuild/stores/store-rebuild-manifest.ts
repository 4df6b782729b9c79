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

/** What a table read back for an in-place rebuild held beside the rows that were loaded. */
export interface InPlaceRows {
  /** Rows read with a vector of the table's dimension. */
  readonly count: number;
  readonly nullRows: number;
  /** Keys of rows whose vector had another dimension: refused as `dimension`. */
  readonly wrongDimension: readonly unknown[];
}

/**
 * The `build` facts every in-place rebuild records, and its rejected count: rows of another
 * dimension were refused before the guard saw the rest, so they join its `dimension` cause.
 */
export function inPlaceBuild(facts: { readonly source: string; readonly rows: InPlaceRows; readonly loaded: LoadedRows }): { readonly rejected: number; readonly build: StoreRebuildFacts['build'] } {
  const { rows, loaded } = facts;
  const refused = rows.wrongDimension.length;
  const rejected = loaded.totals.rejected + refused;
  return {
    rejected,
    build: {
      source: facts.source,
      inPlace: true,
      sourceRows: rows.count + refused,
      rowsWithoutVector: rows.nullRows,
      rejected,
      rejectedByCause: { ...loaded.totals.causes, dimension: loaded.totals.causes.dimension + refused },
    },
  };
}
