import type { DeclaredPolicy } from '../core/policy.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { FixedRowSource } from '../sources/files/fixed-row-source.js';
import type { RowBlock, SourceDescription, VectorSource } from '../sources/source.js';
import { auditAnn, pickAuditQueries, type AuditOptions, type AuditOutcome, type ExactReference } from './ann-audit.js';
import type { AnnAudit, Artifacts, CheckSettings, QuerySet, Reachability, VectorSample } from './artifacts.js';
import { probeReachability, reachabilityFromAudit } from './reachability.js';
import { gatherReference } from './exact-reference.js';
import { gatherPushdown } from './pushdown.js';
import { RowStatsAccumulator, type RowStats } from './row-stats.js';
import { parallelScanThreads, scanInParallel } from './parallel-scan.js';
import { SampleCollector } from './sample-collector.js';
import { pointText, reachText, RECALL_TARGETS } from '../computed/recall-curve.js';
import { assertSearchable, resolveSearchSetting } from './search-setting.js';

export interface GatherOptions {
  readonly sampleSize: number;
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
  readonly exactReference?: (description: SourceDescription) => Promise<ExactReference | undefined>;
  /** Seconds the ANN audit may take (--audit-budget); undefined: no limit. */
  readonly auditBudgetSeconds?: number;
  /** Search settings the application uses (--search): the audit searches with them and gates on them. */
  readonly search?: Readonly<Record<string, number>>;
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Threads for the full scan of a local npy/fvecs/bvecs file. Default: every idle core when the
   * file is at least PARALLEL_SCAN_MIN_BYTES, else 1. Results are identical either way.
   */
  readonly scanThreads?: number;
}

export interface GatherProgress {
  /** scan: every row; sample: the sampled rows only; queries: the --queries file; search: the index's own search (ANN audit). */
  readonly phase: 'scan' | 'sample' | 'queries' | 'search';
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
  const sampleTarget = options.full
    ? Math.min(description.rows, Math.floor(FULL_SAMPLE_BYTES / Math.max(1, description.dim * 4)))
    : options.sampleSize;
  const sampleRows = sampleIndices(description.rows, sampleTarget, rng);
  const fullScan = options.full || (description.local && description.storage.bytes <= options.scanBudgetBytes);

  const { rowStats, sample } = fullScan
    ? await scanWithSample(source, description, sampleRows, options)
    : await sampleOnly(source, description, sampleRows, options);

  const pushdown = await gatherPushdown(source, fullScan);
  const queries = options.queries ? await gatherQueries(options.queries.source, options, rng) : undefined;
  // Index files learn per-row facts (labels) during a full scan: describe again before using ids.
  const scanned = fullScan ? await source.describe() : description;
  const reference = options.reference ? await gatherReference(source, scanned, options.reference.source, declared, options.seed) : undefined;
  let annAudit: AnnAudit | undefined;
  let reachability: Reachability | undefined;
  const notes: string[] = [];
  assertSearchable(options.search, source.search !== undefined, description.target);
  if (source.search) {
    // With --vectors the reference is the exact answer; without, whatever the caller can offer (an index's stored vectors).
    const exact = options.reference ? reference?.exact : await options.exactReference?.(scanned);
    const exactBasis: AnnAudit['exactBasis'] = source.supportsExactSearch ? 'stored' : options.reference ? 'reference' : scanned.storage.lossy ? 'decoded' : 'stored';
    const setting = resolveSearchSetting(source.searchTuning, declared, options.search);
    const outcome = await auditWithProgress(source, sample, queries, exact, options, {
      exactBasis,
      ...(setting ? { setting } : {}),
      ...(options.search ? { search: options.search } : {}),
    });
    annAudit = outcome.audit;
    if (outcome.note) notes.push(outcome.note);
    if (annAudit) notes.push(...auditNotes(annAudit));
    // One budget: the self-search gets what the audit left (and always its minimum of rows).
    const left = options.auditBudgetSeconds === undefined ? undefined : options.auditBudgetSeconds - (annAudit?.seconds ?? 0);
    try {
      reachability = await probeReachability(source, scanned, sample, { seed: options.seed, ...(setting ? { setting } : {}), ...(options.search ? { search: options.search } : {}), ...(left === undefined ? {} : { budgetSeconds: left }), ...(exact ? { exact } : {}) });
    } catch (error) {
      // The audit searched this index already: a self-search that fails costs its own finding, not the report.
      if (options.signal?.aborted) throw error;
      notes.push(`unreachable rows not measured: the self-search failed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!reachability && outcome.searches && annAudit?.origin === 'sampled-rows' && source.supportsExactSearch) {
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
  // ...and which search path worked once the audit ran: the final description carries both.
  const final = await source.describe();
  const settings: CheckSettings = {
    seed: options.seed,
    sampleSize: sample.count,
    probeQueries: options.probeQueries,
    k: options.k,
    full: options.full,
  };
  return {
    source: final,
    declared,
    rowStats,
    sample,
    settings,
    ...(queries ? { queries } : {}),
    ...(final.index ? { index: final.index } : {}),
    ...(annAudit ? { annAudit } : {}),
    ...(reachability ? { reachability } : {}),
    ...(reference ? { reference: reference.artifact } : {}),
    ...(pushdown ? { pushdown } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

async function auditWithProgress(
  source: VectorSource,
  sample: VectorSample,
  queries: QuerySet | undefined,
  exact: ExactReference | undefined,
  options: GatherOptions,
  audit: AuditOptions,
): Promise<AuditOutcome> {
  const auditQueries = pickAuditQueries(sample, queries, options.seed, audit.exactBasis === 'reference' ? exact : undefined);
  options.onProgress?.({ phase: 'search', done: 0, total: auditQueries.count, dim: auditQueries.dim });
  const outcome = await auditAnn(source, auditQueries, exact, { ...audit, ...(options.auditBudgetSeconds === undefined ? {} : { budgetSeconds: options.auditBudgetSeconds }) });
  options.onProgress?.({ phase: 'search', done: auditQueries.count, total: auditQueries.count, dim: auditQueries.dim });
  return outcome;
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

/** One pass over every row: per-row facts for all rows, and the sampled rows copied on the way. */
async function scanWithSample(
  source: VectorSource,
  description: SourceDescription,
  sampleRows: readonly number[],
  options: GatherOptions,
): Promise<{ rowStats: RowStats; sample: VectorSample }> {
  const threads = parallelScanThreads(source, description, options.scanThreads);
  if (threads > 1 && source instanceof FixedRowSource) {
    return scanInParallel(source, description, sampleRows, threads, {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done) => options.onProgress?.({ phase: 'scan', done, total: description.rows }),
    });
  }
  const { dim } = description;
  const stats = new RowStatsAccumulator(dim, description.normTolerance, description.segments, description.rows);
  const collector = new SampleCollector(sampleRows, dim);
  let done = 0;
  options.onProgress?.({ phase: 'scan', done, total: description.rows, dim });
  for await (const block of source.scan({ signal: options.signal })) {
    stats.add(block);
    collector.take(block);
    done += block.count;
    options.onProgress?.({ phase: 'scan', done, total: description.rows, dim });
  }
  return { rowStats: stats.finish('full', description.rows), sample: collector.finish() };
}

/** Sources too big (or too remote) to scan: per-row facts come from the sample and say so. */
async function sampleOnly(
  source: VectorSource,
  description: SourceDescription,
  sampleRows: readonly number[],
  options: GatherOptions,
): Promise<{ rowStats: RowStats; sample: VectorSample }> {
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
  const rows = sampleIndices(description.rows, options.sampleSize, rng);
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
