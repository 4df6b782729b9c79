/** The similarity a model was trained for, or an index computes. */
export const METRICS = ['cosine', 'l2', 'ip'] as const;
export type Metric = (typeof METRICS)[number];

/** How the stored vectors relate to unit length, as measured. */
export type NormState = 'unit' | 'raw' | 'mixed' | 'unknown';

/** What the user (flags, or a manifest beside the store) says the store should be. */
export interface DeclaredPolicy {
  readonly metric?: Metric;
  readonly dim?: number;
  /** The model whose vectors the store should hold (informational unless a manifest pins it). */
  readonly model?: string;
  /** Whether stored vectors are meant to be L2-normalized. */
  readonly normalized?: boolean;
  /** Whether a whitening / PCA transform is meant to be applied before storage. */
  readonly whitened?: boolean;
  /** Where the declaration came from: command-line flags, a manifest file, index metadata. */
  readonly from?: string;
  /** The store manifest the policy was read from, when there is one. */
  readonly manifest?: string;
  /** Fingerprints of the codebook (IVF centroids, PQ codebook) the index was trained with, per the manifest. */
  readonly codebook?: CodebookFingerprint;
  /** How the vectors the policy was built from are distributed: rows from another model stand out. */
  readonly reference?: ReferenceDistribution;
  /**
   * The index's numeric parameters as the manifest records them (efSearch, nprobe, M, ...): the
   * search setting among them is the one `rebuild` told the application to use, so it is the one audited.
   */
  readonly indexParams?: Readonly<Record<string, number>>;
}

export interface CodebookFingerprint {
  /** SHA-256 of the training sample and the training parameters. */
  readonly training: string;
  /** SHA-256 of the trained codebook floats (centroids, then PQ codebook), when the engine exposes them. */
  readonly codebook?: string;
}

/**
 * A model's vectors share a mean direction; rows from another model (an unrelated coordinate system)
 * do not. Recorded when the store is built, compared on every check.
 */
export interface ReferenceDistribution {
  /** Rows the reference was measured on. */
  readonly rows: number;
  /** Unit mean direction of the L2-normalized stored rows. */
  readonly meanDirection: readonly number[];
  /** Quantiles of each normalized row's cosine to that direction. */
  readonly alignment: { readonly p01: number; readonly p50: number };
  /** Median row norm as stored. */
  readonly medianNorm: number;
  /** Compact, dimension-independent fingerprint of the model's geometry (src/manifest/fingerprint.ts). */
  readonly fingerprint?: ModelFingerprint;
}

/** What identifies an embedding model's vectors, in about 80 numbers whatever the dimension. */
export interface ModelFingerprint {
  readonly version: 1;
  /** Seed of the Gaussian random projection (regenerated, never stored). */
  readonly seed: number;
  /** Dimensions of the projection. */
  readonly dims: number;
  readonly rows: number;
  /** Unit mean direction of the projected unit rows. */
  readonly direction: readonly number[];
  /** Quantiles of held-out rows' projected cosine to that direction (fitted on the other half). */
  readonly alignment: { readonly p01: number; readonly p05: number; readonly p50: number };
  /** Mean pairwise cosine of the rows (‖mean unit row‖²). */
  readonly meanCosine: number;
  /** Top centered principal-component shares of the unit rows. */
  readonly spectrum: readonly number[];
  /** Row norm quantiles as stored. */
  readonly norms: { readonly p05: number; readonly p50: number; readonly p95: number };
}

/** What the tool measured about the store. */
export interface ObservedPolicy {
  readonly dim: number;
  /** The metric the index actually computes, when the target is an index or a store with one. */
  readonly indexMetric?: Metric | 'other';
  /** True when the index normalizes vectors itself (cosine space, a normalization transform). */
  readonly indexNormalizes?: boolean;
  readonly normState: NormState;
  readonly whitened?: boolean;
  /** Metrics under which search over the stored vectors ranks like the declared model intends. */
  readonly safeMetrics: readonly Metric[];
}
