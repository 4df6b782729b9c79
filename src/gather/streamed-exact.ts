import type { Metric } from '../core/policy.js';
import { fusedTopKAvailable, ParallelTopKStream } from '../math/exact-top-k.js';
import { kernels, ROW_NONFINITE, ROW_ZERO, type RowScanOutput } from '../math/kernels.js';
import { Rng, sampleIndices, shuffle } from '../math/rng.js';
import { exactSearch, TopKSelector, type NeighborLists } from '../math/top-k.js';
import type { RowBlock, VectorSource } from '../sources/source.js';
import { AUDIT_QUERIES, exactCutNote, EXACT_SHARE, pickAuditQueries, type AuditQueries, type StreamedExact } from './ann-audit.js';
import type { VectorSample } from './artifacts.js';

/**
 * Exact answers for the audit's queries computed while a scan streams past: every block is
 * searched for all queries at once (ParallelTopKStream, every core), so a reference or an index
 * too large to hold in memory (10M × 128 is 5 GB) is read once for the whole audit.
 */

/** What the streamed search needs besides the rows. */
export interface StreamedExactRequest {
  readonly queries: AuditQueries;
  readonly metric: Metric;
  readonly k: number;
  /** Rows the scan will offer (for the budget's projection and progress). */
  readonly totalRows: number;
  /** The audit budget (--audit-budget); the exact answers may take EXACT_SHARE of it. */
  readonly auditBudget?: number;
  /** How the answers are computed, for evidence (AnnAudit.exactMethod). */
  readonly description: string;
  /** Rows scanned so far, as the scan goes. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Budget projections start after this share of the rows: the first blocks carry start-up costs. */
const PROJECT_AFTER_SHARE = 0.05;

export class StreamedExactSearch {
  private readonly started = performance.now();
  /** Row number of each searched row, by its position in the stream. */
  private rowOfPosition = new Int32Array(1 << 16);
  private staging = new Float32Array(0);
  private scanned = 0;
  private cut: { readonly projectedSeconds: number; readonly rowsDone: number } | undefined;

  private constructor(
    private readonly request: StreamedExactRequest,
    private readonly stream: BlockTopK,
  ) {}

  static async open(request: StreamedExactRequest): Promise<StreamedExactSearch> {
    const { queries, metric, k } = request;
    // The reference kernels (VECTORCLINIC_KERNELS=js) answer through the reference loop, block by block.
    const stream = kernels().name === 'wasm' && fusedTopKAvailable() ? await ParallelTopKStream.open(queries, { metric, k }) : new ReferenceBlockTopK(queries, metric, k);
    return new StreamedExactSearch(request, stream);
  }

  /** Search the block's rows for which `keep(i)` holds (valid rows an id maps to); the others are only counted. */
  async offer(block: RowBlock, keep: (index: number) => boolean): Promise<void> {
    this.scanned += block.count;
    if (this.cut) return;
    const { dim } = block;
    const keptRows: number[] = [];
    for (let i = 0; i < block.count; i++) if (keep(i)) keptRows.push(i);
    let position = this.stream.rows;
    for (const i of keptRows) this.remember(position++, block.rows ? (block.rows[i] as number) : block.start + i);
    if (keptRows.length === block.count) {
      // The usual block: every row searchable, handed over as it is.
      await this.stream.add(block.data, block.count);
    } else {
      if (this.staging.length < keptRows.length * dim) this.staging = new Float32Array(keptRows.length * dim);
      keptRows.forEach((i, at) => this.staging.set(block.data.subarray(i * dim, (i + 1) * dim), at * dim));
      await this.stream.add(this.staging, keptRows.length);
    }
    this.request.onProgress?.(this.scanned, this.request.totalRows);
    await this.checkBudget();
  }

  /** The answers, with ids from `idOf(row)`; or, when the budget cut the search, the note that says so. */
  async finish(idOf: (row: number) => string | number | bigint): Promise<StreamedExact> {
    if (this.cut) {
      return { kind: 'cut', note: exactCutNote({ rowsTotal: this.request.totalRows, ...this.cut, auditBudget: this.request.auditBudget }) };
    }
    const lists = await this.stream.finish();
    const ids: (string | number | bigint)[][] = [];
    for (let q = 0; q < lists.queries; q++) {
      const row: (string | number | bigint)[] = [];
      for (let i = 0; i < lists.k; i++) {
        const position = lists.ids[q * lists.k + i] as number;
        if (position >= 0) row.push(idOf(this.rowOfPosition[position] as number));
      }
      ids.push(row);
    }
    const seconds = (performance.now() - this.started) / 1000;
    return { kind: 'answers', ids, description: this.request.description, seconds };
  }

  /** Stop the workers (a scan that failed); safe to call after finish. */
  async close(): Promise<void> {
    await this.stream.close();
  }

  private remember(position: number, row: number): void {
    if (position >= this.rowOfPosition.length) {
      const grown = new Int32Array(Math.max(position + 1, this.rowOfPosition.length * 2));
      grown.set(this.rowOfPosition);
      this.rowOfPosition = grown;
    }
    this.rowOfPosition[position] = row;
  }

  /** Stop searching (the scan itself goes on) once the whole search projects past its share of the budget. */
  private async checkBudget(): Promise<void> {
    const { auditBudget, totalRows } = this.request;
    if (auditBudget === undefined || totalRows <= 0) return;
    const share = this.scanned / totalRows;
    if (share < PROJECT_AFTER_SHARE || share >= 1) return;
    const projectedSeconds = (performance.now() - this.started) / 1000 / share;
    if (projectedSeconds <= EXACT_SHARE * auditBudget) return;
    this.cut = { projectedSeconds, rowsDone: this.scanned };
    await this.stream.close();
  }
}

/**
 * The audit's queries when the exact answers are streamed: the user's queries when they fit (as
 * pickAuditQueries), else rows of the reference drawn before the scan (AUDIT_QUERIES valid rows
 * among twice as many candidates, in random order so any prefix is a random sample).
 */
export async function streamedAuditQueries(options: { readonly reference: VectorSource; readonly rows: number; readonly dim: number; readonly queries?: VectorSample; readonly seed: number }): Promise<AuditQueries> {
  const { reference, rows, dim, queries, seed } = options;
  const empty: VectorSample = { dim, count: 0, rows: [], data: new Float32Array(0) };
  if (queries && queries.dim === dim && queries.count > 0) return pickAuditQueries(empty, queries, seed);
  const rng = new Rng(seed ^ 0xa0d1);
  const candidates = shuffle(sampleIndices(rows, Math.min(rows, 2 * AUDIT_QUERIES), rng), rng);
  const ascending = [...candidates].sort((a, b) => a - b);
  const block = await reference.readRows(ascending);
  const vectorOf = new Map<number, Float32Array>();
  const returned = block.rows ? Array.from(block.rows) : ascending;
  returned.forEach((row, i) => {
    const vector = block.data.subarray(i * dim, (i + 1) * dim);
    if (isSearchable(vector)) vectorOf.set(row, vector);
  });
  const picked = candidates.filter((row) => vectorOf.has(row)).slice(0, AUDIT_QUERIES);
  const data = new Float32Array(picked.length * dim);
  picked.forEach((row, i) => data.set(vectorOf.get(row) as Float32Array, i * dim));
  return { data, count: picked.length, dim, origin: 'reference-rows' };
}

/** Finite and not all-zero: the rows exact search ranks (as exactFromRows keeps them). */
export function isSearchable(vector: Float32Array): boolean {
  let sum = 0;
  for (let j = 0; j < vector.length; j++) sum += (vector[j] as number) ** 2;
  return sum > 0 && Number.isFinite(sum);
}

/**
 * isSearchable for every row of a block at once, through the SIMD row scan (a per-float JS loop
 * costs seconds over a 10M-row reference): 1 where the row is finite and not all-zero.
 */
export function searchableRows(data: Float32Array, count: number, dim: number): Uint8Array {
  const out: RowScanOutput = {
    norms2: new Float32Array(count),
    flags: new Uint8Array(count),
    hashLow: new Uint32Array(count),
    hashHigh: new Uint32Array(count),
    columnNonzero: new Uint32Array(dim),
  };
  kernels().scanRows(data, count, dim, out);
  const searchable = new Uint8Array(count);
  for (let i = 0; i < count; i++) searchable[i] = (out.flags[i] as number) & (ROW_NONFINITE | ROW_ZERO) ? 0 : 1;
  return searchable;
}

/** What StreamedExactSearch needs of a top-k stream. */
interface BlockTopK {
  readonly rows: number;
  add(data: Float32Array, count: number): Promise<void>;
  finish(): Promise<NeighborLists>;
  close(): Promise<void>;
}

/** Block by block through exactSearch (the reference loop under VECTORCLINIC_KERNELS=js), merged per query. */
class ReferenceBlockTopK implements BlockTopK {
  private readonly selectors: TopKSelector[];
  rows = 0;

  constructor(
    private readonly queries: AuditQueries,
    private readonly metric: Metric,
    private readonly k: number,
  ) {
    this.selectors = Array.from({ length: queries.count }, () => new TopKSelector(k));
  }

  async add(data: Float32Array, count: number): Promise<void> {
    const { queries } = this;
    const lists = exactSearch(queries, { data, count, dim: queries.dim }, { metric: this.metric, k: this.k });
    for (let q = 0; q < lists.queries; q++) {
      for (let i = 0; i < lists.k; i++) {
        const index = lists.ids[q * lists.k + i] as number;
        // Cosine over unit rows, L2 as 2q·x − ‖x‖² and dot products compare across blocks.
        if (index >= 0) this.selectors[q]!.offer(this.rows + index, lists.scores[q * lists.k + i] as number);
      }
    }
    this.rows += count;
  }

  async finish(): Promise<NeighborLists> {
    const { k } = this;
    const ids = new Int32Array(this.selectors.length * k);
    const scores = new Float32Array(this.selectors.length * k);
    this.selectors.forEach((selector, q) => selector.write(ids, scores, q * k));
    return { queries: this.selectors.length, k, ids, scores };
  }

  async close(): Promise<void> {}
}
