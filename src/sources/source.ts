import type { LoadedManifest } from '../manifest/manifest.js';
import type { Metric } from '../core/policy.js';
import type { StorageType } from '../core/storage-type.js';
import type { PushdownStats } from '../core/pushdown-stats.js';
import type { Rows } from '../core/rows.js';
import type { StoredRows } from '../math/exact-top-k.js';
import type { FilterSpec, FilterValue } from './filters.js';

export type { PushdownStats };

/**
 * The spec every reader and store connector implements. Checks never see a source: the gather
 * step turns what a source yields into artifacts (row statistics, a sample, index metadata).
 */
export interface VectorSource {
  /** Shape, storage and index facts, read from headers/catalogs without touching every row. */
  describe(): Promise<SourceDescription>;
  /**
   * Every row in order, as blocks. A block's `data` may be a view into a reused buffer: it is
   * valid only until the next block is requested. A source that learns facts by reading every row
   * (the labels of a large hnswlib index) returns them when the iteration ends, so a caller never
   * has to describe() again to get them.
   */
  scan(options?: ScanOptions): AsyncIterable<RowBlock, ScanSummary | void>;
  /** The given rows (ascending, distinct row numbers), in that order. */
  readRows(rows: readonly number[]): Promise<RowBlock>;
  /**
   * Every row in its stored element type (a float16 or int8 file as read, half or a quarter of a
   * float32 copy), for exact search to widen a slice at a time; undefined when the rows are float32
   * or not stored as one contiguous little-endian array.
   */
  readStoredRows?(): Promise<StoredRows | undefined>;
  /** Release file handles / connections. Safe to call twice. */
  close(): Promise<void>;
  /** Search with the engine's own index, for sources that can: index files and live stores. Absent for plain vector files. */
  readonly search?: SearchCapability;
  /**
   * Exact per-row counts the engine computes itself over every row (live stores, which are sampled
   * rather than scanned): NULL, zero and duplicate vectors, duplicate ids. Undefined when the
   * engine cannot count them or counting would cost more than the source allows.
   */
  pushdownStats?(): Promise<PushdownStats | undefined>;
  /**
   * The application's document ids for ids `search` returned (live stores whose search answers in
   * row ids or keys): each entry the row's id and any ids folded into it (a rebuild's `aliases`).
   */
  documentIds?(ids: readonly string[]): Promise<string[][]>;
  /**
   * Which of these document ids the store holds (as a row's own id or a folded alias): lets smoke
   * tell questions about other ids from a store that cannot find them.
   */
  knownDocumentIds?(ids: readonly string[]): Promise<Set<string>>;
  /** The policy manifest a rebuild wrote into the store's own metadata, if any (live stores). */
  storedManifest?(): Promise<LoadedManifest | undefined>;
  /** Search restricted by a metadata filter, for live stores whose index serves filtered queries. */
  readonly filteredSearch?: FilteredSearch;
  /** Deleted entries the engine still holds (dead tuples, deletion files), when it exposes them. */
  deletedRows?(): Promise<DeletedRowFacts>;
  /**
   * Present when worker threads can reopen this source on their own and scan ranges of its rows
   * (local fixed-row files): what lets a full scan run on several threads.
   */
  readonly rangeScanning?: RangeScanning;
}

/** A source that worker threads can reopen from plain data, each scanning one range of rows. */
export interface RangeScanning {
  /** Structured-clone friendly: all a worker thread needs to reopen the same source. */
  readonly reopen: { readonly kind: string; readonly path: string };
  /** Rows `first` .. `end - 1` in order (blocks may reuse one buffer, as in `scan`). */
  scanRange(first: number, end: number, options?: ScanOptions): AsyncIterable<RowBlock>;
  /**
   * Whether the rows past the file's middle read at page-cache speed (timed reads). A disk-bound
   * scan gains nothing from a second thread: one thread computes faster than a disk delivers, and a
   * second read stream elsewhere in the file makes the disk alternate between them.
   */
  inPageCache?(): boolean;
}

/** What a full scan learned: the description as it stands once every row was read. */
export interface ScanSummary {
  readonly description: SourceDescription;
}

/** What filtered-recall needs from a store: its filterable columns, filtered rows, filtered search. */
export interface FilteredSearch {
  /** Scalar columns / metadata keys a filter may name, with their most frequent values (for discovery). */
  columns(): Promise<readonly FilterColumn[]>;
  /** Rows holding a vector that match; a filter naming no column of the store is a UsageError. */
  count(filter: FilterSpec): Promise<number>;
  /** Up to `count` vectors of matching rows, picked by `seed` (the same rows run after run). */
  sampleVectors(filter: FilterSpec, count: number, seed: number): Promise<{ readonly data: Float32Array; readonly count: number }>;
  /** Filtered top-k as the application gets it (the store's own plan, with `settings` applied), or exact. */
  search(request: FilteredSearchRequest): Promise<FilteredSearchResult>;
  /** Settings that may restore filtered recall, in the order worth trying (each a parameter fix). */
  readonly remedies: readonly SearchRemedy[];
  /** Remedies this engine version cannot offer, and why (pgvector < 0.8 has no iterative scan). */
  readonly remedyNote?: string;
}

export interface FilterColumn {
  readonly name: string;
  readonly kind: 'number' | 'text' | 'boolean';
  /** Distinct values among the rows counted; more than `values` lists when the column is not low-cardinality. */
  readonly distinct: number;
  /** Rows counted (with a vector). */
  readonly rows: number;
  /** Each value with its row count, most frequent first (all of them for a low-cardinality column). */
  readonly values: readonly { readonly value: FilterValue; readonly rows: number }[];
}

export interface SearchRemedy {
  /** How the report names it: "hnsw.iterative_scan = relaxed_order". */
  readonly label: string;
  readonly settings: Readonly<Record<string, string | number>>;
}

export interface FilteredSearchRequest extends Omit<SearchRequest, 'params'> {
  readonly filter: FilterSpec;
  /** Engine settings for this request only (a remedy). */
  readonly settings?: Readonly<Record<string, string | number>>;
}

export interface FilteredSearchResult extends SearchResult {
  /** Whether the engine served the filtered query through its vector index (false: an exact plan). */
  readonly usesIndex?: boolean;
}

/** Deleted entries a store still holds, as the engine reports them. */
export interface DeletedRowFacts {
  /** How they were counted, for evidence ("pg_stat_user_tables"). */
  readonly method: string;
  /** Rows searches should see. */
  readonly liveRows: number;
  /** Deleted (dead, tombstoned) rows still stored: null when the engine does not say. */
  readonly deletedRows: number | null;
  /** Engine facts worth showing: last vacuum, index size, versions, deletion files. */
  readonly facts: Readonly<Record<string, string | number | boolean | null>>;
  /** The engine's clean-up, in its own terms (VACUUM, REINDEX, optimize()). */
  readonly cleanup: string;
  /** The share of deleted entries at which the engine's own clean-up would act, and whose rule that is. */
  readonly cleanupAt: { readonly share: number; readonly rule: string };
  /** Why the engine cannot say, when deletedRows is null. */
  readonly unavailable?: string;
}

/** What a source that can search offers: the search, its exact path when it has one, its knob. */
export interface SearchCapability {
  /** The k nearest rows of each query by the index (or, with `exact`, by the engine's own exact path). */
  query(request: SearchRequest): Promise<SearchResult>;
  /** Present when `query({ exact: true })` runs the engine's own exact path: how it computes its answer, for evidence. */
  readonly exactMethod?: string;
  /** The index's main search-time knob (efSearch, nprobe, probes), for recall-vs-parameter sweeps. */
  readonly tuning?: SearchTuning;
}

export interface SearchRequest {
  /** count × dim query vectors, row-major. */
  readonly queries: Float32Array;
  readonly count: number;
  readonly k: number;
  /** Bypass the index: the engine's exact scan (pgvector without index scans, LanceDB bypassVectorIndex). */
  readonly exact?: boolean;
  /** Search-time parameters to apply for this request only (e.g. { efSearch: 200 }). */
  readonly params?: Readonly<Record<string, number>>;
  /**
   * performance.now() time by which the search should be done. Searches that answer query by
   * query return lists for the first queries only (never fewer than `minQueries`) once the next
   * would end after it (stopForDeadline); a search that scans once for all queries throws
   * SearchBudgetExceeded as soon as it projects to end later. Absent: answer every query.
   */
  readonly deadline?: number;
  /** With `deadline`: queries always answered, however long they take (default 1). */
  readonly minQueries?: number;
}

export interface SearchResult {
  /**
   * Per query, the ids of the k results, best first; fewer lists than queries when a `deadline`
   * cut the search (then they answer the first queries). Files use row numbers (scan order); stores
   * use their primary key. ANN and exact results of one source are always in the same id space.
   */
  readonly ids: readonly (readonly (string | number | bigint)[])[];
  /** How this answer was computed, when the source chose among several ways (evidence: exactMethod). */
  readonly method?: string;
  /**
   * The description as this search left it, from sources that learn facts while searching (hnswlib,
   * usearch: their library could not load the file so the answer is an exact scan, or labels were read
   * to validate the graph), as a scan returns a ScanSummary: callers never need to describe() again.
   */
  readonly learned?: SourceDescription;
}

export interface SearchTuning {
  /** Engine name of the knob: 'efSearch', 'nprobe', 'hnsw.ef_search', 'ivfflat.probes', 'nprobes', ... */
  readonly name: string;
  /** The value searches use now. */
  readonly current: number;
  /** Other values worth trying (mostly larger), to tell a parameter fix from a rebuild and name the settings that reach 95% / 99%. */
  readonly sweep: readonly number[];
  /**
   * Set when the index does not store this setting (hnswlib, usearch files): `current` is then the
   * library's default, an assumption about the application. Says why, for the report.
   */
  readonly assumed?: string;
  /** Other names a store manifest may record this setting under (rebuild records usearch's expansion_search as efSearch). */
  readonly aliases?: readonly string[];
  /** The sweep to run when the audited value is another one (from --search or a manifest); default: `sweep`. */
  sweepFrom?(value: number): readonly number[];
}

export interface ScanOptions {
  /** Rough upper bound on one block's float count; readers may return smaller blocks. */
  readonly blockFloats?: number;
  readonly signal?: AbortSignal;
}

export interface RowBlock extends Rows {
  /** Row number of the first row when the block is contiguous. */
  readonly start: number;
  /** Row numbers of each row when the block is not contiguous (then `start` is the first of them). */
  readonly rows?: ArrayLike<number>;
  /** Rows the reader could not turn into a `dim`-long vector; they are not in `data`. */
  readonly issues?: readonly RowIssue[];
}

export interface RowIssue {
  readonly row: number;
  readonly kind: 'length' | 'parse' | 'null';
  readonly detail: string;
  readonly byteOffset?: number;
  /** For `length`: how many values the row had. */
  readonly length?: number;
}

/** How the stored vectors are encoded (core/storage-type.ts; re-exported here for the readers). */
export type { StorageType } from '../core/storage-type.js';

export interface SourceDescription {
  /** Reader kind: 'npy', 'fvecs', 'jsonl', 'faiss', 'pgvector', ... */
  readonly kind: string;
  /** What to show the user (store URLs with the password redacted). */
  readonly target: string;
  /** Number of vectors the source holds (an index's ntotal). */
  readonly rows: number;
  /** False when `rows` is an estimate (catalog statistics). */
  readonly rowsExact: boolean;
  readonly dim: number;
  readonly storage: StorageDescription;
  /**
   * How far from 1.0 the norm of a vector that was unit length before storage can read after
   * it (rounding of the storage type, quantization). Decides what counts as "normalized".
   */
  readonly normTolerance: number;
  /** True when every row can be read cheaply (a local file): full scans are affordable. */
  readonly local: boolean;
  /** Shards / source files / partitions, in row order, when the source has them. */
  readonly segments?: readonly Segment[];
  readonly index?: IndexDescription;
  /** Facts worth showing that no check owns (e.g. trailing bytes after the data). */
  readonly notes?: readonly string[];
}

export interface StorageDescription {
  readonly type: StorageType;
  /** Bytes a full scan reads (0 when unknown). */
  readonly bytes: number;
  /** True when the vectors read back are decoded approximations (PQ, SQ). */
  readonly lossy: boolean;
}

export interface Segment {
  readonly name: string;
  readonly start: number;
  readonly rows: number;
}

/** What an index (file or store) says about itself. Optional parts only where the engine has them. */
export interface IndexDescription {
  readonly engine: string;
  /** Engine-specific type name: 'IndexIVFPQ', 'hnsw', 'ivfflat', ... */
  readonly type: string;
  /** The metric the index computes; undefined when the format does not store it. */
  readonly metric?: Metric | 'other';
  /** Where the metric came from. */
  readonly metricSource: 'index' | 'declared' | 'sidecar' | 'unknown';
  /** True when the index normalizes vectors before storing or searching them. */
  readonly normalizesInput: boolean;
  /** A PCA/whitening transform applied before storage, when present. */
  readonly transform?: { readonly kind: string; readonly whitening: boolean; readonly inputDim: number; readonly outputDim: number };
  readonly trained: boolean;
  readonly ntotal: number;
  /** Build and search parameters as the engine names them (nlist, nprobe, M, efSearch, ...). */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly ivf?: IvfDescription;
  readonly ids?: IdDescription;
  readonly quantizer?: QuantizerDescription;
  /** Live stores: when the index was built relative to the rows it now holds. */
  readonly build?: IndexBuildHistory;
  /** Live stores: rows the index does not cover yet (LanceDB unindexed rows), searched by brute force or not at all. */
  readonly unindexedRows?: number;
  /** Live stores: how a query ordering by the declared metric is planned (pgvector EXPLAIN). */
  readonly queryPlan?: QueryPlanCheck;
  /** IVF list sizes estimated from the lists sampled rows fall into, when exact sizes are not readable. */
  readonly listBalance?: ListBalanceEstimate;
  /** Entries the engine marks deleted but still holds (hnswlib markDelete, usearch removed slots). */
  readonly deletedRows?: DeletedEntries;
}

/** Deleted entries an index file still holds: counted in its capacity, skipped in results. */
export interface DeletedEntries {
  /** Entries carrying the engine's delete mark. */
  readonly count: number;
  /** Entries the file holds, deleted ones included. */
  readonly entries: number;
  /** Ids (labels / keys) of the first deleted entries, as decimal strings, when the format keeps them. */
  readonly examples: readonly string[];
  /** True when graph search still walks through deleted entries (they route, but are never returned). */
  readonly stillRoute: boolean;
  /** Where the count comes from, for evidence. */
  readonly method: string;
}

export interface IndexBuildHistory {
  /** Rows that existed when the index was built (or last rebuilt). */
  readonly rowsAtBuild: number;
  /** Rows written after it. */
  readonly rowsAfterBuild: number;
  /** How build order was established, for evidence. */
  readonly method: string;
  /**
   * IVF-style indexes learn list centres from the rows present at build: the number of lists. A
   * build with fewer rows than this placed centres without data. Undefined for graph indexes
   * (HNSW), which need no training and may be built before the data.
   */
  readonly listsTrained?: number;
  /** Engine message recorded at build time, when one is known (pgvector: "ivfflat index created with little data"). */
  readonly warning?: string;
}

export interface QueryPlanCheck {
  /** The metric the query orders by and its operator (pgvector: <=>, <->, <#>). */
  readonly metric: string;
  readonly operator: string;
  /** True when the plan uses this index; false means every such query scans the whole table. */
  readonly usesIndex: boolean;
  /** The plan's top nodes, for evidence. */
  readonly plan: string;
}

export interface ListBalanceEstimate {
  /** nlist·Σn²/(Σn)² estimated from the lists sampled rows fall into (1 = even); a lower bound when `capped`. */
  readonly imbalance: number;
  /** Sampled rows whose own list was counted. */
  readonly probedRows: number;
  /** Largest list seen, in rows (a lower bound when `capped`). */
  readonly largestList: number;
  /** Share of rows in the largest list seen. */
  readonly largestShare: number;
  /** True when counting stopped at a cap, so the figures are lower bounds. */
  readonly capped: boolean;
}

export interface IvfDescription {
  readonly nlist: number;
  readonly nprobe?: number;
  /** Vectors per inverted list. */
  readonly listSizes: Int32Array | readonly number[];
  /** Coarse centroids (nlist × dim), when readable. */
  readonly centroids?: Float32Array;
  /** Whether list vectors are residuals of their centroid (IVFPQ by_residual). */
  readonly byResidual?: boolean;
  /** Metric the coarse quantizer assigns vectors to lists with (nearest centroid by L2, or largest inner product). */
  readonly metric?: Metric | 'other';
  /**
   * True when the source numbers its rows list by list: rows 0..listSizes[0]−1 are list 0, and so
   * on (empty lists take no rows), so a row's list follows from `listSizes`.
   */
  readonly rowsByList?: boolean;
}

export interface IdDescription {
  /** External ids in row order (BigInt: ids may exceed 2^53). */
  readonly values: BigInt64Array | readonly bigint[];
  readonly kind: 'idmap' | 'idmap2' | 'labels' | 'primary-key';
}

export interface QuantizerDescription {
  readonly kind: 'pq' | 'sq' | 'none';
  /** PQ: sub-quantizers, bits per code, centroids [M][ksub][dsub]. */
  readonly m?: number;
  readonly nbits?: number;
  readonly codebook?: Float32Array;
  /** SQ: quantizer type name and its trained range. */
  readonly sqType?: string;
  /** How the stored codes use the codebook, measured on a sample of them (index files). */
  readonly usage?: CodeUsage;
}

export interface CodeUsage {
  readonly rowsSampled: number;
  /**
   * PQ: per sub-quantizer, exp(entropy) of the codes in use divided by what even use of all codes
   * would show on this many rows (1 = every centroid used evenly; a codebook trained on this data is near 0.9).
   */
  readonly effectiveCodeShare?: readonly number[];
  /** SQ: share of components coded at either end of the trained range (values at or beyond it). */
  readonly saturatedShare?: number;
}

/** Options a reader may need beyond the path. */
export interface SourceOptions {
  /** JSONL / Parquet / Arrow: the column or field holding the embedding. */
  readonly field?: string;
  /** The declared metric, for formats that do not store one (hnswlib). */
  readonly metric?: Metric;
  /** Read Parquet files with this engine instead of the in-process reader (--engine). */
  readonly engine?: ScanEngine;
}

/** Engines that can read files in place of the in-process readers: DuckDB for Parquet. */
export const SCAN_ENGINES = ['duckdb'] as const;
export type ScanEngine = (typeof SCAN_ENGINES)[number];

/** A file format vectorclinic reads: recognised by its magic bytes first, its extension second. */
export interface FileFormat {
  readonly name: string;
  readonly extensions: readonly string[];
  /** True when the first bytes of the file identify this format. */
  readonly sniff?: (head: Uint8Array) => boolean;
  open(path: string, options: SourceOptions): VectorSource | Promise<VectorSource>;
}

/** A live store reached by URL (postgres://, lancedb://, chroma://, ...). */
export interface StoreConnector {
  readonly schemes: readonly string[];
  /** Shown in errors and --help: the URL shape this connector takes. */
  readonly example: string;
  open(url: string, options: SourceOptions): Promise<VectorSource>;
}
