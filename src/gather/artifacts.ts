import type { DeclaredPolicy } from '../core/policy.js';
import type { DeletedRowFacts, IndexDescription, PushdownStats, SourceDescription } from '../sources/source.js';
import type { RowStats } from './row-stats.js';
import type { SearchSettingOrigin } from './search-setting.js';
import type { Rows } from '../core/rows.js';

/** Rows drawn uniformly at random (seeded) from the source, in ascending row order. */
export interface VectorSample extends Rows {
  /** Row number of each sampled row. */
  readonly rows: readonly number[];
}

/** Query vectors the user supplied (--queries), with their own per-row facts. */
export interface QuerySet extends VectorSample {
  readonly target: string;
  /** Rows in the query file (the set may hold a sample of them). */
  readonly totalRows: number;
  readonly stats: RowStats;
  readonly normTolerance: number;
}

/**
 * The index's own search measured against exact search over the same vectors, for sources that
 * can search (index files, live stores): recall at the current setting and at larger ones.
 */
export interface AnnAudit {
  readonly k: number;
  /** Queries the recall is measured on: `plannedQueries` unless the audit budget cut it. */
  readonly queries: number;
  /** Queries the audit drew (AUDIT_QUERIES, or fewer when the store has fewer valid rows). */
  readonly plannedQueries: number;
  /** Where the queries came from. */
  readonly origin: 'queries' | 'sampled-rows' | 'reference-rows';
  /** How the exact answer was computed (e.g. "pgvector sequential scan", "exact search over the --vectors file"). */
  readonly exactMethod: string;
  /**
   * What exact search ran over: 'reference' the original embeddings (--vectors); 'stored' the
   * vectors the index holds, losslessly; 'decoded' the index's own lossy reconstructions (PQ, SQ,
   * int8), so the recall leaves out what quantization loses.
   */
  readonly exactBasis: 'reference' | 'stored' | 'decoded';
  /** Mean recall@k of the index's results against the exact top-k. */
  readonly recall: number;
  /** 95% interval of the mean recall over queries. */
  readonly recallLow: number;
  readonly recallHigh: number;
  /**
   * The search-time knob and the value the recall above was measured at, when the engine has one:
   * from --search, the store manifest, the index itself, or the library default ('default', an
   * assumption: `assumed` says why).
   */
  readonly tuning?: { readonly name: string; readonly current: number; readonly from: SearchSettingOrigin; readonly assumed?: string };
  /**
   * Recall at other settings of the knob (larger ones, and smaller ones where the engine's sweep
   * has them), each with its 95% interval: a parameter fix when one reaches the target, a rebuild
   * when none does. Measured on the first `queries` of the audit's queries (the budget may cut a point short).
   */
  readonly sweep: readonly { readonly value: number; readonly recall: number; readonly low: number; readonly high: number; readonly queries: number }[];
  /** Wall time the audit took. */
  readonly seconds: number;
  /** The time budget it ran under in seconds (--audit-budget), when there was one. */
  readonly auditBudget?: number;
  /** What the budget cut, in words (empty when nothing was). */
  readonly cuts: readonly string[];
}

/**
 * The store's own filtered search against exact filtered search, per filter (given with --filter or
 * discovered), with the engine's remedies measured on the same queries.
 */
export interface FilteredRecallAudit {
  readonly k: number;
  /** Filters measured (or attempted), in the order given or discovered. */
  readonly filters: readonly FilterAudit[];
  /** How the filters were chosen: given with --filter, or discovered (and what discovery looked at). */
  readonly origin: 'option' | 'discovered';
  readonly discovery?: string;
  /** Why nothing could be measured (no filterable column), when nothing was. */
  readonly notRun?: string;
  /** The same store's unfiltered recall (the ANN audit), the level a filtered search should keep. */
  readonly unfiltered?: { readonly recall: number; readonly low: number; readonly high: number };
  /** Remedies the engine version cannot offer, and why. */
  readonly remedyNote?: string;
  readonly seconds: number;
  /** The time budget in seconds (--audit-budget), when there was one. */
  readonly auditBudget?: number;
  readonly cuts: readonly string[];
}

export interface FilterAudit {
  /** The filter, canonical text. */
  readonly filter: string;
  readonly column: string;
  /** Rows with a vector that match, and their share of all rows. */
  readonly matchingRows: number;
  readonly selectivity: number;
  /** Queries measured, and where they came from: rows of the filtered set, or --queries. */
  readonly queries: number;
  readonly queryOrigin: 'filtered-rows' | 'queries';
  /** Set when the filter was not measured (too few matching rows, the budget), with why. */
  readonly skipped?: string;
  /** recall@k of the store's own filtered search at its settings, with its 95% interval. */
  readonly recall: number;
  readonly low: number;
  readonly high: number;
  /** Queries answered with fewer rows than exact search found (min(k, matching rows)). */
  readonly shortQueries: number;
  /** Whether the engine served the query through its vector index (false: an exact plan such as a btree or partial index). */
  readonly usesIndex?: boolean;
  /** The engine's remedies measured on the same queries. */
  readonly remedies: readonly RemedyPoint[];
}

export interface RemedyPoint {
  readonly label: string;
  readonly settings: Readonly<Record<string, string | number>>;
  readonly recall: number;
  readonly low: number;
  readonly high: number;
  readonly shortQueries: number;
  readonly queries: number;
}

/** Deleted entries the store still holds, and what its own search returns because of them. */
export interface DeletedRowsAudit {
  readonly facts: DeletedRowFacts;
  /** Sampled live rows searched for their k nearest at the index's settings: how many came back short. */
  readonly search?: { readonly queries: number; readonly shortQueries: number; readonly expected: number; readonly missingIds: number; readonly missingExamples: readonly string[] };
}

/**
 * Stored rows searched for themselves with a graph index at the audited setting: rows missing
 * from their own top-k are rows the index cannot return. Index files only (they know each row's id).
 */
export interface Reachability {
  readonly k: number;
  /**
   * How a row's own id is known: 'own-id' the index file's labels / keys (rows searched for
   * themselves); 'exact-first' a live store's exact first answer for the stored vector (the ANN
   * audit's sampled-row queries, reused).
   */
  readonly method: 'own-id' | 'exact-first';
  /** Rows searched for themselves (deleted elements excluded): `plannedRows` unless the audit budget cut it. */
  readonly rowsProbed: number;
  readonly plannedRows: number;
  /** Missed rows whose results held an identical vector instead (exact duplicates tie): left out of the share. */
  readonly ties: number;
  /** Missed rows that exact search does not return for their own vector either (inner product): left out of the share. */
  readonly notOwnAnswer: number;
  /** Rows not in their own top-k at the audited setting (ties excluded). */
  readonly unreachable: number;
  /** Searches at the audited setting that returned fewer than k ids although the index holds k live rows. */
  readonly shortLists: number;
  /** Ids returned at the audited setting that belong to deleted entries (never, in a sound index). */
  readonly deletedReturned: number;
  /** Ids of the first unreachable rows, as decimal strings. */
  readonly examples: readonly string[];
  /** The setting searched at: the audit's (the index's settings). */
  readonly tuning?: { readonly name: string; readonly current: number; readonly from: SearchSettingOrigin };
  /** Rows still unreachable when the missed ones are searched again at larger settings. */
  readonly sweep: readonly { readonly value: number; readonly unreachable: number }[];
  readonly seconds: number;
  /** What the audit budget cut, in words. */
  readonly cuts: readonly string[];
}

/**
 * The embeddings an index was built from (--vectors), set against the index: counts, which ids
 * are missing or extra, and whether stored vectors are the rows their ids map to.
 */
export interface ReferenceVectors {
  readonly target: string;
  /** Rows in the reference file, and those that are finite and not all-zero. */
  readonly rows: number;
  readonly validRows: number;
  readonly dim: number;
  /**
   * How reference rows map to index ids: 'row-number' (row r is id r, the default) or 'position'
   * (the index's ids are not row numbers: reference row r is the index's r-th stored vector).
   */
  readonly mapping: 'row-number' | 'position';
  /** Vectors the index holds (ntotal), and those searches can return (deleted ones excluded). */
  readonly indexRows: number;
  readonly indexLiveRows: number;
  /** Row-number mapping only: valid reference rows with no vector in the index. */
  readonly missingIds?: IdExamples;
  /** Row-number mapping only: index ids that are no row of the reference. */
  readonly extraIds?: IdExamples;
  /** Sampled index rows whose stored vector is not the reference row their id maps to (lossless storage only). */
  readonly content?: {
    readonly compared: number;
    readonly differing: number;
    readonly examples: readonly { readonly id: string; readonly cosine: number }[];
  };
}

export interface IdExamples {
  readonly count: number;
  /** The first few, as decimal strings (ids may exceed 2^53). */
  readonly examples: readonly string[];
}

/** Knobs that change what checks compute, fixed for one run (and echoed in the report). */
export interface CheckSettings {
  readonly seed: number;
  /** Rows sampled (the --sample asked for, or fewer when the source holds fewer). */
  readonly sample: number;
  /** Random queries for neighbour-overlap and agreement measurements. */
  readonly probeQueries: number;
  /** Neighbour list length for overlap@k. */
  readonly k: number;
  readonly full: boolean;
}

/**
 * Everything checks may read. A check declares which of these it needs; the runner skips it
 * (not applicable) when one is missing. Checks never touch sources directly.
 */
export interface Artifacts {
  readonly source: SourceDescription;
  readonly declared: DeclaredPolicy;
  readonly rowStats: RowStats;
  readonly sample: VectorSample;
  readonly queries?: QuerySet;
  readonly index?: IndexDescription;
  readonly annAudit?: AnnAudit;
  readonly filteredRecall?: FilteredRecallAudit;
  readonly deletedRows?: DeletedRowsAudit;
  readonly reachability?: Reachability;
  readonly reference?: ReferenceVectors;
  /** Exact counts a live store computed over all its rows; preferred over the sample's estimates. */
  readonly pushdown?: PushdownStats;
  readonly settings: CheckSettings;
  /** What gathering could not do and why (e.g. an audit the time budget did not allow), for the report's notes. */
  readonly notes?: readonly string[];
}

export type ArtifactName = keyof Artifacts;
