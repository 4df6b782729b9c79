import type { FindingCode } from './finding.js';
import type { Metric } from './policy.js';

/**
 * Everything the report's plots draw, measured once when the report is built. Reporters read
 * only this (the Lighthouse rule: a renderer never sees artifacts), so any future plot adds its
 * data here first. Every section is optional: a store without an IVF index has no list sizes.
 */
export interface ReportPlots {
  readonly normHistogram?: NormHistogramPlot;
  readonly pcaScree?: ScreePlot;
  readonly neighborOverlap?: OverlapMatrixPlot;
  readonly kOccurrence?: KOccurrencePlot;
  readonly ivfListSizes?: IvfListSizesPlot;
  /** Recall curves: the ANN-vs-exact audit here; `smoke` and `rebuild` add theirs. */
  readonly recallCurves?: readonly RecallCurve[];
  readonly filteredRecall?: FilteredRecallPlot;
  /** Rows a graph index cannot return for their own vector, at the audited setting and larger ones (unreachable-rows). */
  readonly unreachableRows?: UnreachableRowsPlot;
}

/** filtered-recall per filter beside the same store's unfiltered recall, with 95% intervals. */
export interface FilteredRecallPlot {
  readonly k: number;
  readonly unfiltered?: IntervalPoint;
  readonly filters: readonly (IntervalPoint & {
    readonly filter: string;
    readonly selectivity: number;
    readonly shortQueries: number;
    readonly queries: number;
    /** The first remedy that restored it, else the best one measured. */
    readonly remedy?: IntervalPoint & { readonly label: string };
  })[];
}

export interface IntervalPoint {
  readonly recall: number;
  readonly low: number;
  readonly high: number;
}

export interface UnreachableRowsPlot {
  readonly k: number;
  /** Rows searched for themselves (ties between exact duplicates left out). */
  readonly rows: number;
  /** The search setting's name ('efSearch', 'hnsw.ef_search', ...), when the engine has one. */
  readonly parameter?: string;
  /** The share unreachable-rows tolerates before it warns. */
  readonly tolerance: number;
  /** Unreachable share with its 95% interval, at the audited setting (`current`) and at larger ones. */
  readonly points: readonly { readonly value: number; readonly share: number; readonly low: number; readonly high: number; readonly current: boolean }[];
}

export interface NormHistogramPlot {
  /** Bin edges (bins + 1) and counts over every row scanned (or the sample, see scope). */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly scope: 'full' | 'sample';
  /** Norms within this distance of 1 count as unit length. */
  readonly unitTolerance: number;
  /**
   * The same bins per shard / segment, or per norm regime when one store mixes normalized and
   * raw rows: counted over sampled rows, so they show shape, not totals.
   */
  readonly groups?: readonly NormHistogramGroup[];
  readonly groupedBy?: 'segment' | 'regime';
}

export interface NormHistogramGroup {
  readonly name: string;
  readonly counts: readonly number[];
}

export interface ScreePlot {
  /** Rows the eigenvalues were computed from (unit-normalized, centered). */
  readonly rows: number;
  /** Share of the total variance on each of the top principal components, largest first. */
  readonly shares: readonly number[];
}

export interface OverlapMatrixPlot {
  readonly metric: Metric;
  readonly k: number;
  readonly origin: 'queries' | 'held-out';
  /** Row number of each probe query (in the query file, or the store for held-out rows). */
  readonly queryRows: readonly number[];
  /** matrix[a][b] = |top-k(a) ∩ top-k(b)| / k; the diagonal is 1. */
  readonly matrix: readonly (readonly number[])[];
  /** Mean over distinct pairs (the report's overlap@k). */
  readonly mean: number;
}

export interface KOccurrencePlot {
  readonly k: number;
  readonly queries: number;
  readonly baseRows: number;
  /** Mean k-occurrence (queries · k / base rows): what every row would get if none were a hub. */
  readonly expected: number;
  /** Skewness of the k-occurrence over base rows, and what a Poisson spread of the same mean gives. */
  readonly skewness: number;
  readonly skewnessIfUniform: number;
  /** How many base rows appear in exactly `occurrences` lists (rows with 0 included). */
  readonly distribution: readonly { readonly occurrences: number; readonly rows: number }[];
  readonly hubs: readonly { readonly row: number; readonly occurrences: number }[];
  /** What these numbers mean for retrieval, as neighbor-collapse judges them (one sentence, the same as its evidence). */
  readonly meaning?: string;
}

export interface IvfListSizesPlot {
  readonly nlist: number;
  readonly vectors: number;
  readonly emptyLists: number;
  /** nlist · Σn² / (Σn)²: 1 when lists are even, nlist when one list holds everything. */
  readonly imbalance: number;
  /** List sizes, largest first (evenly thinned when there are very many lists). */
  readonly sizesDescending: readonly number[];
  readonly thinned: boolean;
}

export interface RecallCurve {
  /** What produced it: 'ann-audit', 'smoke', 'rebuild:before', ... */
  readonly source: string;
  readonly label: string;
  readonly k: number;
  /** What the x axis is: the search knob ('efSearch', 'nprobe') or 'k'. */
  readonly x: string;
  readonly points: readonly RecallPoint[];
}

export interface RecallPoint {
  readonly x: number;
  readonly recall: number;
  readonly low?: number;
  readonly high?: number;
  /** The setting the store uses now. */
  readonly current?: boolean;
}

/** Before/after figures of one store (e.g. `rebuild`), for a side-by-side plot. */
export interface ReportComparison {
  readonly before: ComparedRun;
  readonly after: ComparedRun;
  readonly measures: readonly ComparedMeasure[];
}

export interface ComparedRun {
  readonly label: string;
  readonly target: string;
  readonly verdict: 'pass' | 'warn' | 'fail';
  /** Codes found at warn or fail. */
  readonly problems: readonly FindingCode[];
}

export interface ComparedMeasure {
  readonly name: string;
  readonly before: number | null;
  readonly after: number | null;
  readonly better: 'higher' | 'lower';
  /** 'share' values are fractions shown as percentages. */
  readonly unit: 'share' | 'value';
}
