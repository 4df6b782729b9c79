import { createRowScanOutput, kernels, ROW_NONFINITE, ROW_ZERO, type RowScanOutput } from '../math/kernels.js';
import { ChunkedSum, NormSketch, SUM_CHUNK_ROWS, type ChunkedSumState, type NormSketchState } from '../math/norm-sketch.js';
import type { RowBlock, RowIssue, Segment } from '../sources/source.js';
import { DuplicateHashes, type DuplicateHashesState, type DuplicateSummary } from './duplicate-hashes.js';

/** Cheap per-row facts about every row scanned: the artifact behind zero/NaN/norm/regime checks. */
export interface RowStats {
  /** 'full' when every row of the source was scanned, 'sample' when only the sampled rows were. */
  readonly scope: 'full' | 'sample';
  readonly rowsScanned: number;
  /** Rows the source holds (so sample-based rates can be scaled and bounded). */
  readonly totalRows: number;
  readonly dim: number;
  readonly zero: { readonly count: number; readonly firstRows: readonly number[] };
  readonly nonfinite: {
    readonly count: number;
    readonly nanValues: number;
    readonly infValues: number;
    readonly firstRows: readonly number[];
  };
  /** Rows that are finite and not all-zero: the population every geometric statistic uses. */
  readonly validRows: number;
  readonly norms: NormSummary;
  readonly regimes: RegimeRuns;
  /** Per column, how many rows hold a non-zero value there. */
  readonly columnNonzero: Uint32Array;
  readonly duplicates: DuplicateSummary;
  /** Rows the reader could not decode to `dim` values (ragged JSON arrays, nulls). */
  readonly rowIssues: { readonly count: number; readonly first: readonly RowIssue[]; readonly lengths: Readonly<Record<string, number>> };
  readonly segments?: readonly SegmentStats[];
}

export interface NormSummary {
  readonly count: number;
  readonly min: number;
  readonly p01: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
  /** The tolerance used to call a norm "1". */
  readonly unitTolerance: number;
  /** Rows with |norm − 1| ≤ unitTolerance. */
  readonly unitRows: number;
  /**
   * Rows in the bands just outside the unit window ((K−1) windows wide on each side). Unit rows
   * far above what this neighbourhood predicts were normalized on purpose, not by chance.
   */
  readonly nearUnitRows: number;
  readonly nearUnitBandWidths: number;
}

export type Regime = 'unit' | 'raw';

export interface RegimeRuns {
  /** Maximal runs of consecutive valid rows in one regime, in row order (capped, see `truncated`). */
  readonly runs: readonly { readonly start: number; readonly regime: Regime; readonly rows: number }[];
  readonly truncated: boolean;
  readonly switches: number;
}

export interface SegmentStats extends Segment {
  readonly unitRows: number;
  readonly validRows: number;
  readonly zeroRows: number;
  readonly nonfiniteRows: number;
  readonly normMean: number;
}

const FIRST_ROWS_KEPT = 20;
const MAX_RUNS = 4096;
/** Width of each near-unit comparison band, in unit-window widths. */
const NEAR_UNIT_BANDS = 20;

type Run = { start: number; regime: Regime; rows: number };

/**
 * What an accumulator has seen, structured-clone friendly: a worker thread scans a range of rows
 * and the main thread folds the partials back in row order (`RowStatsAccumulator.absorb`).
 */
export interface RowStatsPartial {
  readonly rowsScanned: number;
  readonly zeroCount: number;
  readonly zeroRows: readonly number[];
  readonly nonfiniteCount: number;
  readonly nanValues: number;
  readonly infValues: number;
  readonly nonfiniteRows: readonly number[];
  readonly sketch: NormSketchState;
  readonly unitRows: number;
  readonly nearUnitRows: number;
  readonly runs: readonly Run[];
  readonly runsTruncated: boolean;
  readonly switches: number;
  readonly lastRegime: Regime | undefined;
  readonly columnNonzero: Uint32Array;
  readonly duplicates: DuplicateHashesState;
  readonly issueCount: number;
  readonly issues: readonly RowIssue[];
  readonly issueLengths: Readonly<Record<string, number>>;
  readonly segments: readonly SegmentPartial[];
}

export class RowStatsAccumulator {
  private rowsScanned = 0;
  private zeroCount = 0;
  private readonly zeroRows: number[] = [];
  private nonfiniteCount = 0;
  private nanValues = 0;
  private infValues = 0;
  private readonly nonfiniteRows: number[] = [];
  private readonly sketch = new NormSketch();
  private unitRows = 0;
  private nearUnitRows = 0;
  private readonly runs: Run[] = [];
  private runsTruncated = false;
  private switches = 0;
  /** Regime of the last valid row (runs stop being recorded at MAX_RUNS, switches do not). */
  private lastRegime: Regime | undefined;
  private readonly columnNonzero: Uint32Array;
  private readonly duplicates: DuplicateHashes;
  private issueCount = 0;
  private readonly issues: RowIssue[] = [];
  private readonly issueLengths: Record<string, number> = {};
  private scratch: RowScanOutput;
  private valid: ValidRowsScratch;
  private readonly segmentAccumulators: SegmentAccumulator[];
  private segmentCursor = 0;
  /** Summation chunk of the last row seen (see SUM_CHUNK_ROWS). */
  private chunk = -1;

  /** `expectedRows`: how many rows will be added, when known (sizes the duplicate table). */
  constructor(
    private readonly dim: number,
    private readonly unitTolerance: number,
    segments: readonly Segment[] = [],
    expectedRows = 0,
  ) {
    this.duplicates = new DuplicateHashes(undefined, expectedRows);
    this.scratch = createRowScanOutput(0, dim);
    this.columnNonzero = this.scratch.columnNonzero;
    this.valid = new ValidRowsScratch(0);
    this.segmentAccumulators = segments.map((segment) => new SegmentAccumulator(segment));
  }

  add(block: RowBlock): void {
    for (const issue of block.issues ?? []) this.addIssue(issue);
    const count = block.count;
    if (count === 0) return;
    if (this.scratch.norms2.length < count) {
      this.scratch = { ...createRowScanOutput(count, this.dim), columnNonzero: this.columnNonzero };
      this.valid = new ValidRowsScratch(Math.min(count, SUM_CHUNK_ROWS));
    }
    kernels().scanRows(block.data, count, this.dim, this.scratch);
    const rows = block.rows;
    // Rows of one summation chunk at a time (see SUM_CHUNK_ROWS), each range in batched loops.
    for (let i = 0; i < count; ) {
      const chunkEnd = (this.chunk + 1) * SUM_CHUNK_ROWS;
      const row = rows ? (rows[i] as number) : block.start + i;
      if (row >= chunkEnd) {
        this.startChunk(Math.floor(row / SUM_CHUNK_ROWS));
        continue;
      }
      // At most SUM_CHUNK_ROWS rows per range (row lists need not be sorted): the scratch's size.
      const last = Math.min(count, i + SUM_CHUNK_ROWS);
      let end = i + 1;
      if (rows) while (end < last && (rows[end] as number) < chunkEnd) end++;
      else end = Math.min(last, chunkEnd - block.start);
      this.addRange(block, i, end);
      i = end;
    }
    this.rowsScanned += count;
  }

  /** Rows [from, end) of a scanned block, all in the current summation chunk. */
  private addRange(block: RowBlock, from: number, end: number): void {
    const { flags, norms2, hashLow, hashHigh } = this.scratch;
    const valid = this.valid;
    const rows = block.rows;
    const dim = this.dim;
    const hasSegments = this.segmentAccumulators.length > 0;
    // Pass 1: zero and non-finite rows (rare) are counted; valid rows are listed with their norms.
    let n = 0;
    for (let i = from; i < end; i++) {
      const rowFlags = flags[i] as number;
      if ((rowFlags & (ROW_NONFINITE | ROW_ZERO)) === 0) {
        let norm2 = norms2[i] as number;
        // Recompute a norm in float64 when float32 accumulation overflowed or underflowed.
        if (!Number.isFinite(norm2) || norm2 === 0) norm2 = exactNorm2(block.data, i * dim, dim);
        valid.index[n] = i;
        valid.row[n] = rows ? (rows[i] as number) : block.start + i;
        valid.norm2[n] = norm2;
        valid.norm[n] = Math.sqrt(norm2);
        n++;
        continue;
      }
      const row = rows ? (rows[i] as number) : block.start + i;
      const segment = hasSegments ? this.segmentFor(row) : undefined;
      if (rowFlags & ROW_NONFINITE) {
        this.addNonfinite(block.data, i, row);
        segment?.nonfinite();
      } else {
        this.zeroCount++;
        if (this.zeroRows.length < FIRST_ROWS_KEPT) this.zeroRows.push(row);
        segment?.zero();
      }
    }
    if (n === 0) return;
    this.sketch.addMany(valid.norm, valid.norm2, n);
    this.addRegimes(n);
    this.duplicates.addMany(hashLow, hashHigh, valid.index, valid.row, n);
    if (hasSegments) {
      for (let k = 0; k < n; k++) this.segmentFor(valid.row[k] as number)?.valid(valid.norm2[k] as number, valid.unit[k] === 1 ? 'unit' : 'raw');
    }
  }

  /** Unit/raw regime of the first `n` listed valid rows: unit and near-unit counts, regime runs. */
  private addRegimes(n: number): void {
    const { norm, row, unit } = this.valid;
    const tolerance = this.unitTolerance;
    const band = tolerance * NEAR_UNIT_BANDS;
    let unitRows = 0;
    let nearUnitRows = 0;
    let lastUnit = this.lastRegime === undefined ? -1 : this.lastRegime === 'unit' ? 1 : 0;
    let run = this.runsTruncated ? undefined : this.runs[this.runs.length - 1];
    for (let k = 0; k < n; k++) {
      const distance = Math.abs((norm[k] as number) - 1);
      const isUnit = distance <= tolerance ? 1 : 0;
      unit[k] = isUnit;
      if (isUnit) unitRows++;
      else if (distance <= band) nearUnitRows++;
      if (isUnit !== lastUnit) {
        this.startRun(row[k] as number, isUnit ? 'unit' : 'raw');
        lastUnit = isUnit;
        run = this.runsTruncated ? undefined : this.runs[this.runs.length - 1];
      } else if (run) run.rows++;
    }
    this.unitRows += unitRows;
    this.nearUnitRows += nearUnitRows;
  }

  /** Everything seen so far, for `absorb` on another accumulator (e.g. across worker threads). */
  partial(): RowStatsPartial {
    return {
      rowsScanned: this.rowsScanned,
      zeroCount: this.zeroCount,
      zeroRows: this.zeroRows,
      nonfiniteCount: this.nonfiniteCount,
      nanValues: this.nanValues,
      infValues: this.infValues,
      nonfiniteRows: this.nonfiniteRows,
      sketch: this.sketch.state(),
      unitRows: this.unitRows,
      nearUnitRows: this.nearUnitRows,
      runs: this.runs,
      runsTruncated: this.runsTruncated,
      switches: this.switches,
      lastRegime: this.lastRegime,
      columnNonzero: this.columnNonzero,
      duplicates: this.duplicates.state(),
      issueCount: this.issueCount,
      issues: this.issues,
      issueLengths: this.issueLengths,
      segments: this.segmentAccumulators.map((segment) => segment.partial()),
    };
  }

  /**
   * Fold in what another accumulator saw over rows that all come after the rows seen here. With
   * ranges split on multiples of SUM_CHUNK_ROWS the result equals one pass over all the rows.
   */
  absorb(partial: RowStatsPartial): void {
    this.rowsScanned += partial.rowsScanned;
    this.zeroCount += partial.zeroCount;
    keepFirst(this.zeroRows, partial.zeroRows);
    this.nonfiniteCount += partial.nonfiniteCount;
    this.nanValues += partial.nanValues;
    this.infValues += partial.infValues;
    keepFirst(this.nonfiniteRows, partial.nonfiniteRows);
    this.sketch.absorb(partial.sketch);
    this.unitRows += partial.unitRows;
    this.nearUnitRows += partial.nearUnitRows;
    this.absorbRuns(partial);
    for (let j = 0; j < this.dim; j++) this.columnNonzero[j] = (this.columnNonzero[j] as number) + (partial.columnNonzero[j] as number);
    this.duplicates.absorb(partial.duplicates);
    this.issueCount += partial.issueCount;
    keepFirst(this.issues, partial.issues);
    for (const [length, count] of Object.entries(partial.issueLengths)) this.issueLengths[length] = (this.issueLengths[length] ?? 0) + count;
    partial.segments.forEach((segment, i) => this.segmentAccumulators[i]?.absorb(segment));
  }

  finish(scope: 'full' | 'sample', totalRows: number): RowStats {
    const sketch = this.sketch;
    return {
      scope,
      rowsScanned: this.rowsScanned,
      totalRows,
      dim: this.dim,
      zero: { count: this.zeroCount, firstRows: this.zeroRows },
      nonfinite: { count: this.nonfiniteCount, nanValues: this.nanValues, infValues: this.infValues, firstRows: this.nonfiniteRows },
      validRows: sketch.count,
      norms: {
        count: sketch.count,
        min: sketch.count ? sketch.min : NaN,
        p01: sketch.quantile(0.01),
        p50: sketch.quantile(0.5),
        p99: sketch.quantile(0.99),
        max: sketch.count ? sketch.max : NaN,
        mean: sketch.mean,
        std: sketch.std,
        histogram: sketch.histogram(),
        unitTolerance: this.unitTolerance,
        unitRows: this.unitRows,
        nearUnitRows: this.nearUnitRows,
        nearUnitBandWidths: 2 * (NEAR_UNIT_BANDS - 1),
      },
      regimes: { runs: this.runs, truncated: this.runsTruncated, switches: this.switches },
      columnNonzero: this.columnNonzero,
      duplicates: this.duplicates.summary(),
      rowIssues: { count: this.issueCount, first: this.issues, lengths: this.issueLengths },
      ...(this.segmentAccumulators.length ? { segments: this.segmentAccumulators.map((s) => s.finish()) } : {}),
    };
  }

  /** Close the float sums of the current chunk: later rows add up separately. */
  private startChunk(chunk: number): void {
    this.chunk = chunk;
    this.sketch.endChunk();
    for (const segment of this.segmentAccumulators) segment.endChunk();
  }

  private addNonfinite(data: Float32Array, i: number, row: number): void {
    this.nonfiniteCount++;
    if (this.nonfiniteRows.length < FIRST_ROWS_KEPT) this.nonfiniteRows.push(row);
    const base = i * this.dim;
    for (let j = 0; j < this.dim; j++) {
      const v = data[base + j] as number;
      if (Number.isNaN(v)) this.nanValues++;
      else if (!Number.isFinite(v)) this.infValues++;
    }
  }

  /** A valid row whose regime differs from the previous valid row's. */
  private startRun(row: number, regime: Regime): void {
    if (this.lastRegime !== undefined) this.switches++;
    this.lastRegime = regime;
    if (this.runs.length >= MAX_RUNS) {
      this.runsTruncated = true;
      return;
    }
    this.runs.push({ start: row, regime, rows: 1 });
  }

  /** Join the partial's first run onto the last one here when the regime carries across. */
  private absorbRuns(partial: RowStatsPartial): void {
    const [first, ...rest] = partial.runs;
    if (!first) return;
    let next = partial.runs;
    if (this.lastRegime === first.regime) {
      if (!this.runsTruncated) (this.runs[this.runs.length - 1] as Run).rows += first.rows;
      next = rest;
    } else if (this.lastRegime !== undefined) {
      this.switches++;
    }
    this.switches += partial.switches;
    this.lastRegime = partial.lastRegime;
    for (const run of next) {
      if (this.runsTruncated) break;
      if (this.runs.length >= MAX_RUNS) this.runsTruncated = true;
      else this.runs.push({ ...run });
    }
    if (partial.runsTruncated) this.runsTruncated = true;
  }

  private addIssue(issue: RowIssue): void {
    this.issueCount++;
    if (this.issues.length < FIRST_ROWS_KEPT) this.issues.push(issue);
    if (issue.length !== undefined) this.issueLengths[issue.length] = (this.issueLengths[issue.length] ?? 0) + 1;
  }

  /** Rows arrive in ascending order, so a cursor finds the segment in amortized O(1). */
  private segmentFor(row: number): SegmentAccumulator | undefined {
    const list = this.segmentAccumulators;
    if (!list[this.segmentCursor]?.contains(row)) {
      const found = list.findIndex((segment) => segment.contains(row));
      if (found < 0) return undefined;
      this.segmentCursor = found;
    }
    return list[this.segmentCursor];
  }
}

/** Per valid row of a range: its index in the block, row number, squared norm, norm, unit flag. */
class ValidRowsScratch {
  readonly index: Int32Array;
  readonly row: Float64Array;
  readonly norm2: Float64Array;
  readonly norm: Float64Array;
  readonly unit: Uint8Array;

  constructor(rows: number) {
    this.index = new Int32Array(rows);
    this.row = new Float64Array(rows);
    this.norm2 = new Float64Array(rows);
    this.norm = new Float64Array(rows);
    this.unit = new Uint8Array(rows);
  }
}

function keepFirst<T>(kept: T[], more: readonly T[]): void {
  for (const item of more) {
    if (kept.length >= FIRST_ROWS_KEPT) return;
    kept.push(item);
  }
}

/** Recompute a norm in float64 when float32 accumulation overflowed or underflowed. */
function exactNorm2(data: Float32Array, offset: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[offset + j] as number) ** 2;
  return sum;
}

export interface SegmentPartial {
  readonly validRows: number;
  readonly normSum: ChunkedSumState;
  readonly unitRows: number;
  readonly zeroRows: number;
  readonly nonfiniteRows: number;
}

/** Per-shard counts; deliberately small (no sketch) since a store can have thousands of shards. */
class SegmentAccumulator {
  private validRows = 0;
  private readonly normSum = new ChunkedSum();
  private unitRows = 0;
  private zeroRows = 0;
  private nonfiniteRows = 0;

  constructor(private readonly segment: Segment) {}

  contains(row: number): boolean {
    return row >= this.segment.start && row < this.segment.start + this.segment.rows;
  }

  valid(norm2: number, regime: Regime): void {
    this.validRows++;
    this.normSum.add(Math.sqrt(norm2));
    if (regime === 'unit') this.unitRows++;
  }

  zero(): void {
    this.zeroRows++;
  }

  nonfinite(): void {
    this.nonfiniteRows++;
  }

  endChunk(): void {
    this.normSum.endChunk();
  }

  partial(): SegmentPartial {
    return {
      validRows: this.validRows,
      normSum: this.normSum.state(),
      unitRows: this.unitRows,
      zeroRows: this.zeroRows,
      nonfiniteRows: this.nonfiniteRows,
    };
  }

  absorb(partial: SegmentPartial): void {
    this.validRows += partial.validRows;
    this.normSum.absorb(partial.normSum);
    this.unitRows += partial.unitRows;
    this.zeroRows += partial.zeroRows;
    this.nonfiniteRows += partial.nonfiniteRows;
  }

  finish(): SegmentStats {
    return {
      ...this.segment,
      unitRows: this.unitRows,
      validRows: this.validRows,
      zeroRows: this.zeroRows,
      nonfiniteRows: this.nonfiniteRows,
      normMean: this.validRows ? this.normSum.total() / this.validRows : NaN,
    };
  }
}
