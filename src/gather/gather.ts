import type { DeclaredPolicy } from '../core/policy.js';
import { Rng, sampleIndices } from '../math/rng.js';
import type { RowBlock, SourceDescription, VectorSource } from '../sources/source.js';
import { auditAnn, pickAuditQueries, type ExactReference } from './ann-audit.js';
import type { Artifacts, CheckSettings, QuerySet, VectorSample } from './artifacts.js';
import { gatherPushdown } from './pushdown.js';
import { RowStatsAccumulator, type RowStats } from './row-stats.js';

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
  /**
   * Exact answers for the ANN audit when the source can search with its index but has no exact
   * path of its own (index files): e.g. the --vectors file, or the index's reconstructed vectors.
   */
  readonly exactReference?: (description: SourceDescription) => Promise<ExactReference | undefined>;
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
}

export interface GatherProgress {
  readonly phase: 'scan' | 'sample' | 'queries';
  readonly done: number;
  readonly total: number;
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
  const annAudit = source.search
    ? await auditAnn(source, pickAuditQueries(sample, queries, options.seed), await options.exactReference?.(description))
    : undefined;
  const settings: CheckSettings = {
    seed: options.seed,
    sampleSize: sample.count,
    probeQueries: options.probeQueries,
    k: options.k,
    full: options.full,
  };
  return {
    source: description,
    declared,
    rowStats,
    sample,
    settings,
    ...(queries ? { queries } : {}),
    ...(description.index ? { index: description.index } : {}),
    ...(annAudit ? { annAudit } : {}),
    ...(pushdown ? { pushdown } : {}),
  };
}

/** One pass over every row: per-row facts for all rows, and the sampled rows copied on the way. */
async function scanWithSample(
  source: VectorSource,
  description: SourceDescription,
  sampleRows: readonly number[],
  options: GatherOptions,
): Promise<{ rowStats: RowStats; sample: VectorSample }> {
  const { dim } = description;
  const stats = new RowStatsAccumulator(dim, description.normTolerance, description.segments);
  const collector = new SampleCollector(sampleRows, dim);
  let done = 0;
  for await (const block of source.scan({ signal: options.signal })) {
    stats.add(block);
    collector.take(block);
    done += block.count;
    options.onProgress?.({ phase: 'scan', done, total: description.rows });
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
  options.onProgress?.({ phase: 'sample', done: 0, total: sampleRows.length });
  const block = await source.readRows(sampleRows);
  options.onProgress?.({ phase: 'sample', done: sampleRows.length, total: sampleRows.length });
  const stats = new RowStatsAccumulator(description.dim, description.normTolerance, description.segments);
  stats.add(block);
  return {
    rowStats: stats.finish('sample', description.rows),
    // Rows the reader could not decode are not in `data`: the block's own row list says which are.
    sample: { dim: description.dim, count: block.count, rows: block.rows && block.count !== sampleRows.length ? Array.from(block.rows) : sampleRows, data: block.data },
  };
}

async function gatherQueries(source: VectorSource, options: GatherOptions, rng: Rng): Promise<QuerySet> {
  const description = await source.describe();
  const rows = sampleIndices(description.rows, options.sampleSize, rng);
  const block = await source.readRows(rows);
  const stats = new RowStatsAccumulator(description.dim, description.normTolerance);
  stats.add(block);
  options.onProgress?.({ phase: 'queries', done: rows.length, total: rows.length });
  return {
    target: description.target,
    totalRows: description.rows,
    dim: description.dim,
    count: block.count,
    rows,
    data: block.data,
    stats: stats.finish(rows.length === description.rows ? 'full' : 'sample', description.rows),
    normTolerance: description.normTolerance,
  };
}

/** Copies the sampled rows out of scan blocks (which reuse their buffers). */
class SampleCollector {
  private readonly data: Float32Array;
  /** Sampled rows actually copied: rows the reader could not decode are left out. */
  private readonly taken: number[] = [];
  private next = 0;

  constructor(
    private readonly rows: readonly number[],
    private readonly dim: number,
  ) {
    this.data = new Float32Array(rows.length * dim);
  }

  take(block: RowBlock): void {
    const wanted = this.rows;
    if (!block.rows) {
      // Contiguous block: jump straight to the wanted rows inside it.
      const end = block.start + block.count;
      while (this.next < wanted.length && (wanted[this.next] as number) < end) {
        const row = wanted[this.next++] as number;
        if (row >= block.start) this.copy(block, row - block.start, row);
      }
      return;
    }
    for (let i = 0; i < block.count && this.next < wanted.length; i++) {
      const row = block.rows ? (block.rows[i] as number) : block.start + i;
      while (this.next < wanted.length && (wanted[this.next] as number) < row) this.next++;
      if (wanted[this.next] === row) {
        this.copy(block, i, row);
        this.next++;
      }
    }
  }

  private copy(block: RowBlock, index: number, row: number): void {
    this.data.set(block.data.subarray(index * this.dim, (index + 1) * this.dim), this.taken.length * this.dim);
    this.taken.push(row);
  }

  finish(): VectorSample {
    const count = this.taken.length;
    return { dim: this.dim, count, rows: this.taken, data: this.data.subarray(0, count * this.dim) };
  }
}
