import type { DeclaredPolicy } from '../core/policy.js';
import { Rng, sampleIndices } from '../math/rng.js';
import type { RowBlock, ScanSummary, SourceDescription, VectorSource } from '../sources/source.js';
import { auditAnn, pickAuditQueries, type AuditOptions, type AuditOutcome, type AuditQueries, type ExactReference, type StreamedExact } from './ann-audit.js';
import type { AnnAudit, Artifacts, CheckSettings, QuerySet, Reachability, VectorSample } from './artifacts.js';
import { probeReachability, reachabilityFromAudit } from './reachability.js';
import { gatherReference, type StoredReference } from './exact-reference.js';
import { gatherPushdown } from './pushdown.js';
import { RowStatsAccumulator, type RowStats } from './row-stats.js';
import { parallelScanThreads, scanInParallel } from './parallel-scan.js';
import { reopenOf } from './reopen-source.js';
import { SampleCollector } from './sample-collector.js';
import type { SamplePlan } from './sample-plan.js';
import { pointText, reachText, RECALL_TARGETS } from './recall-curve.js';
import { assertSearchable, resolveSearchSetting } from './search-setting.js';
import { auditFilteredRecall } from './filtered-audit.js';
import { gatherDeletedRows } from './deleted-rows.js';
import { UsageError } from '../errors.js';
import type { FilterSpec } from '../sources/filters.js';

/** Named as in CheckOptions (`sample`, `auditBudget`): one name for each option from the command line to the checks. */
export interface GatherOptions {
  /** Rows to sample (--sample). */
  readonly sample: number;
  readonly seed: number;
  /** Scan every row whatever the size, and use every row (up to FULL_SAMPLE_BYTES) as the sample. */
  readonly full: boolean;
  readonly probeQueries: number;
  readonly k: number;
  /** Local sources up to this many bytes get a full scan of per-row facts. */
  readonly scanBudgetBytes: number;
  readonly queries?: { readonly source: VectorSource };
  /** The embeddings an index was built from (--vectors): compared with the index, and the exact answers for its audit. */
  readonly reference?: { readonly source: VectorSource };
  /**
   * Exact answers for the ANN audit when the source can search with its index but has no exact
   * path of its own (index files): e.g. the --vectors file, or the index's reconstructed vectors.
   */
  readonly exactReference?: (description: SourceDescription, audit: ExactReferenceAudit) => Promise<StoredReference>;
  /**
   * Exact references (--vectors, an index's stored vectors) up to this many floats are searched in
   * memory; larger ones get their audit answers in one streamed pass. Default: 64M floats (256 MiB).
   */
  readonly exactInMemoryFloats?: number;
  /** Seconds the ANN audit may take (--audit-budget); undefined: no limit. */
  readonly auditBudget?: number;
  /** Search settings the application uses (--search): the audit searches with them and gates on them. */
  readonly search?: Readonly<Record<string, number>>;
  /** Metadata filters the application searches with (--filter); none: filtered-recall discovers some. */
  readonly filters?: readonly FilterSpec[];
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Called before a full scan of a file that worker threads can reopen, with the rows it will
   * sample (see SamplePlan): the check's sample helper reads them early.
   */
  readonly onSamplePlanned?: (plan: SamplePlan) => void;
  /**
   * Threads for the full scan of a local npy/fvecs/bvecs file. Default: every idle core when the
   * file is at least PARALLEL_SCAN_MIN_BYTES, else 1. Results are identical either way.
   */
  readonly scanThreads?: number;
}

/** What an exact reference too large to hold needs to stream the audit's answers in one pass. */
export interface ExactReferenceAudit {
  readonly queries: AuditQueries;
  /** Seconds the audit may take (--audit-budget). */
  readonly auditBudget?: number;
  readonly inMemoryFloats?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface GatherProgress {
  /**
   * scan: every row; sample: the sampled rows only; queries: the --queries file; audit: the exact
   * answers of the ANN audit, one pass over every row (rows); search: the ANN audit's searches, the
   * index's own at each setting (query searches); checks: the checks on what was gathered.
   */
  readonly phase: 'scan' | 'sample' | 'queries' | 'audit' | 'search' | 'checks';
  readonly done: number;
  readonly total: number;
  /** Dimension of the vectors this phase reads: --verbose prints the contract at every hop. */
  readonly dim?: number;
}

/** A full scan reads at ≥ 1 GB/s here (page cache, SIMD kernels): 16 GiB is seconds, not minutes. */
export const DEFAULT_SCAN_BUDGET_BYTES = 16 * 2 ** 30;
/** `--full` keeps every row in memory for neighbour search; past this it keeps a sample this big. */
const FULL_SAMPLE_BYTES = 2 * 2 ** 30;

export async function gather(source: VectorSource, declared: DeclaredPolicy, options: GatherOptions): Promise<Artifacts> {
  const description = await source.describe();
  const rng = new Rng(options.seed);
  const sampleTarget = options.full ? Math.min(description.rows, Math.floor(FULL_SAMPLE_BYTES / Math.max(1, description.dim * 4))) : options.sample;
  // A filter naming no column, or a value of the wrong type, is exit 2 before a minute of checking.
  const filterCounts = await countFilters(source, options.filters ?? []);
  const sampleRows = sampleIndices(description.rows, sampleTarget, rng);
  const fullScan = options.full || (description.local && description.storage.bytes <= options.scanBudgetBytes);
  const reopen = fullScan ? reopenOf(source) : undefined;
  if (reopen && options.onSamplePlanned) {
    options.onSamplePlanned({
      reopen,
      rows: sampleRows,
      totalRows: description.rows,
      dim: description.dim,
      storageBytes: description.storage.bytes,
      segments: description.segments ?? [],
      settings: checkSettings(options, sampleRows.length),
      inPageCache: () => source.rangeScanning?.inPageCache?.() === true,
    });
  }

  const { rowStats, sample, learned } = fullScan ? await scanWithSample(source, description, sampleRows, options) : await sampleOnly(source, description, sampleRows, options);

  const pushdown = await gatherPushdown(source, fullScan);
  const queries = options.queries ? await gatherQueries(options.queries.source, options, rng) : undefined;
  // Index files learn per-row facts (labels) during a full scan: the scan returns them.
  const scanned = learned ?? description;
  const auditProgress = (done: number, total: number): void => options.onProgress?.({ phase: 'audit', done, total, dim: description.dim });
  // The reference is the audit's exact answer when the engine has no exact search of its own.
  const referenceAudit = source.search && source.search.exactMethod === undefined ? { queries, auditBudget: options.auditBudget, inMemoryFloats: options.exactInMemoryFloats, onProgress: auditProgress } : undefined;
  const reference = options.reference ? await gatherReference({ index: source, description: scanned, reference: options.reference.source, declared, seed: options.seed, audit: referenceAudit }) : undefined;
  let annAudit: AnnAudit | undefined;
  let reachability: Reachability | undefined;
  const notes: string[] = [];
  // The description as the scan, then the exact reference and the audit's searches left it.
  let latest = scanned;
  // A store without a vector index (DuckDB) searches exactly: there is no index answer to audit.
  const auditable = source.search !== undefined && description.index !== undefined;
  assertSearchable(options.search, auditable, description.target);
  if (source.search && auditable) {
    const exactBasis: AnnAudit['exactBasis'] = source.search.exactMethod !== undefined ? 'stored' : options.reference ? 'reference' : scanned.storage.lossy ? 'decoded' : 'stored';
    // With --vectors the reference is the exact answer; without, whatever the caller can offer (an index's stored vectors).
    const inMemory = reference?.exact;
    const auditQueries = reference?.streamed?.queries ?? pickAuditQueries(sample, queries, options.seed, exactBasis === 'reference' ? inMemory : undefined);
    const stored = options.reference
      ? undefined
      : await options.exactReference?.(scanned, { queries: auditQueries, auditBudget: options.auditBudget, inMemoryFloats: options.exactInMemoryFloats, onProgress: auditProgress });
    const exact = options.reference ? (reference?.streamed?.exact ?? inMemory) : stored?.exact;
    latest = stored?.learned ?? latest;
    const setting = resolveSearchSetting(source.search.tuning, declared, options.search);
    const outcome = await auditWithProgress(source, auditQueries, exact, options, { exactBasis, setting, search: options.search });
    annAudit = outcome.audit;
    latest = outcome.learned ?? latest;
    if (outcome.note) notes.push(outcome.note);
    if (annAudit) notes.push(...auditNotes(annAudit));
    // One budget: the self-search gets what the audit left (and always its minimum of rows).
    const left = options.auditBudget === undefined ? undefined : options.auditBudget - (annAudit?.seconds ?? 0);
    // Exact answers streamed during the scan cover the audit's queries only: the self-search needs the vectors.
    const inMemoryExact = exact && !('kind' in exact) ? exact : undefined;
    try {
      reachability = await probeReachability(source, scanned, sample, {
        seed: options.seed,
        setting,
        search: options.search,
        auditBudget: left,
        exact: inMemoryExact,
      });
    } catch (error) {
      // The audit searched this index already: a self-search that fails costs its own finding, not the report.
      if (options.signal?.aborted) throw error;
      notes.push(`unreachable rows not measured: the self-search failed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!reachability && outcome.searches && annAudit?.origin === 'sampled-rows' && source.search.exactMethod !== undefined) {
      reachability = reachabilityFromAudit({
        searches: outcome.searches,
        description: scanned,
        k: annAudit.k,
        ...(annAudit.tuning ? { tuning: { name: annAudit.tuning.name, current: annAudit.tuning.current, from: annAudit.tuning.from } } : {}),
        hasDuplicates: rowStats.duplicates.duplicateRows > 0 || (pushdown?.duplicateVectorRows ?? 0) > 0,
      });
      // Stores whose search answers in row ids (LanceDB _rowid): name the rows by the application's document ids.
      if (reachability?.examples.length && source.documentIds) {
        const documents = await source.documentIds([...reachability.examples]);
        reachability = { ...reachability, examples: documents.map((ids, i) => ids[0] ?? reachability!.examples[i]!) };
      }
    }
  }
  if (options.filters?.length && !source.filteredSearch && description.local) {
    throw new UsageError('--filter measures filtered search in a live store (pgvector, LanceDB, Chroma) with a vector index; this target is a file', { where: description.target });
  }
  const filteredRecall = source.filteredSearch
    ? await auditFilteredRecall(source.filteredSearch, {
        filters: options.filters ?? [],
        counts: filterCounts,
        rows: description.rows,
        seed: options.seed,
        queries,
        annAudit,
        search: options.search,
        auditBudget: options.auditBudget,
      })
    : undefined;
  const deletedRows = await gatherDeletedRows(source, sample, options.seed);
  // ...and which search path worked once the audit ran: the answers carried it (no second describe()).
  const final = latest;
  const settings = checkSettings(options, sample.count);
  return {
    source: final,
    declared,
    rowStats,
    sample,
    settings,
    ...(queries ? { queries } : {}),
    ...(final.index ? { index: final.index } : {}),
    ...(annAudit ? { annAudit } : {}),
    ...(filteredRecall ? { filteredRecall } : {}),
    ...(deletedRows ? { deletedRows } : {}),
    ...(reachability ? { reachability } : {}),
    ...(reference ? { reference: reference.artifact } : {}),
    ...(pushdown ? { pushdown } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

async function countFilters(source: VectorSource, filters: readonly FilterSpec[]): Promise<Map<FilterSpec, number>> {
  const counts = new Map<FilterSpec, number>();
  if (!source.filteredSearch) return counts;
  for (const filter of filters) counts.set(filter, await source.filteredSearch.count(filter));
  return counts;
}

async function auditWithProgress(source: VectorSource, auditQueries: AuditQueries, exact: ExactReference | StreamedExact | undefined, options: GatherOptions, audit: AuditOptions): Promise<AuditOutcome> {
  const onProgress = (done: number, total: number): void => options.onProgress?.({ phase: 'search', done, total, dim: auditQueries.dim });
  return auditAnn(source, auditQueries, exact, { ...audit, onProgress, auditBudget: options.auditBudget });
}

/**
 * What the audit rests on, stated in the report whatever its verdict: an assumed search setting
 * (with the recall there and the settings that reach 95% / 99%), or exact answers over lossy
 * reconstructions.
 */
function auditNotes(audit: AnnAudit): string[] {
  const notes: string[] = [];
  const tuning = audit.tuning;
  if (tuning?.from === 'default') {
    notes.push(
      `${tuning.assumed ?? `${tuning.name} is not recorded`}: the index was audited there (recall@10 ${pointText({ recall: audit.recall, low: audit.recallLow, high: audit.recallHigh })}); ` +
        `${RECALL_TARGETS.map((target) => reachText(audit, target)).join(', ')}. Pass --search ${tuning.name}=N to audit the value your application sets.`,
    );
  }
  if (audit.exactBasis === 'decoded') {
    notes.push("index recall is measured against the index's own reconstructed vectors: the quantization loss is not included (pass --vectors with the embeddings it was built from for true recall).");
  }
  return notes;
}

function checkSettings(options: GatherOptions, sampled: number): CheckSettings {
  return { seed: options.seed, sample: sampled, probeQueries: options.probeQueries, k: options.k, full: options.full };
}

/** Per-row facts and the sample; `learned`: the description as a full scan left it, when the scan learned something. */
interface ScannedRows {
  readonly rowStats: RowStats;
  readonly sample: VectorSample;
  readonly learned?: SourceDescription;
}

/** One pass over every row: per-row facts for all rows, and the sampled rows copied on the way. */
async function scanWithSample(source: VectorSource, description: SourceDescription, sampleRows: readonly number[], options: GatherOptions): Promise<ScannedRows> {
  const threads = parallelScanThreads(source, description, options.scanThreads);
  // parallelScanThreads gives more than one thread only to sources worker threads can reopen.
  if (threads > 1) {
    return scanInParallel(source, description, sampleRows, threads, {
      signal: options.signal,
      onProgress: (done) => options.onProgress?.({ phase: 'scan', done, total: description.rows }),
    });
  }
  const { dim } = description;
  const stats = new RowStatsAccumulator(dim, description.normTolerance, description.segments, description.rows);
  const collector = new SampleCollector(sampleRows, dim);
  let done = 0;
  options.onProgress?.({ phase: 'scan', done, total: description.rows, dim });
  const summary = await eachBlock(source.scan({ signal: options.signal }), (block) => {
    stats.add(block);
    collector.take(block);
    done += block.count;
    options.onProgress?.({ phase: 'scan', done, total: description.rows, dim });
  });
  return { rowStats: stats.finish('full', description.rows), sample: collector.finish(), ...(summary ? { learned: summary.description } : {}) };
}

/** for await over a scan, keeping what the scan returns at its end (for await drops it). */
async function eachBlock(scan: AsyncIterable<RowBlock, ScanSummary | void>, onBlock: (block: RowBlock) => void): Promise<ScanSummary | void> {
  const iterator = scan[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        return next.value;
      }
      onBlock(next.value);
    }
  } finally {
    // Like for await on an early exit: let the scan release its buffers and handles.
    if (!finished) await iterator.return?.();
  }
}

/** Sources too big (or too remote) to scan: per-row facts come from the sample and say so. */
async function sampleOnly(source: VectorSource, description: SourceDescription, sampleRows: readonly number[], options: GatherOptions): Promise<ScannedRows> {
  options.onProgress?.({ phase: 'sample', done: 0, total: sampleRows.length, dim: description.dim });
  const block = await source.readRows(sampleRows);
  options.onProgress?.({ phase: 'sample', done: sampleRows.length, total: sampleRows.length, dim: description.dim });
  const stats = new RowStatsAccumulator(description.dim, description.normTolerance, description.segments);
  stats.add(block);
  return {
    rowStats: stats.finish('sample', description.rows),
    // Readers leave undecodable rows (ragged JSON, null cells) out of `data`: take the rows they returned.
    sample: { dim: description.dim, count: block.count, rows: returnedRows(block, sampleRows), data: block.data },
  };
}

async function gatherQueries(source: VectorSource, options: GatherOptions, rng: Rng): Promise<QuerySet> {
  const description = await source.describe();
  const rows = sampleIndices(description.rows, options.sample, rng);
  options.onProgress?.({ phase: 'queries', done: 0, total: rows.length, dim: description.dim });
  const block = await source.readRows(rows);
  const stats = new RowStatsAccumulator(description.dim, description.normTolerance);
  stats.add(block);
  options.onProgress?.({ phase: 'queries', done: rows.length, total: rows.length, dim: description.dim });
  return {
    target: description.target,
    totalRows: description.rows,
    dim: description.dim,
    count: block.count,
    rows: returnedRows(block, rows),
    data: block.data,
    stats: stats.finish(rows.length === description.rows ? 'full' : 'sample', description.rows),
    normTolerance: description.normTolerance,
  };
}

/** Row numbers of the rows a readRows block holds (fewer than asked when some could not be decoded). */
function returnedRows(block: RowBlock, asked: readonly number[]): readonly number[] {
  return block.rows ? Array.from(block.rows) : asked;
}
