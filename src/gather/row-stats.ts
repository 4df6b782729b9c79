import { createRowScanOutput, kernels, ROW_NONFINITE, ROW_ZERO, type RowScanOutput } from '../math/kernels.js';
import { NormSketch } from '../math/norm-sketch.js';
import type { RowBlock, RowIssue, Segment } from '../sources/source.js';
import { DuplicateHashes, type DuplicateSummary } from './duplicate-hashes.js';

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
  private readonly runs: { start: number; regime: Regime; rows: number }[] = [];
  private runsTruncated = false;
  private switches = 0;
  private readonly columnNonzero: Uint32Array;
  private readonly duplicates = new DuplicateHashes();
  private issueCount = 0;
  private readonly issues: RowIssue[] = [];
  private readonly issueLengths: Record<string, number> = {};
  private scratch: RowScanOutput;
  private readonly segmentAccumulators: SegmentAccumulator[];

  constructor(
    private readonly dim: number,
    private readonly unitTolerance: number,
    segments: readonly Segment[] = [],
  ) {
    this.scratch = createRowScanOutput(0, dim);
    this.columnNonzero = this.scratch.columnNonzero;
    this.segmentAccumulators = segments.map((segment) => new SegmentAccumulator(segment));
  }

  add(block: RowBlock): void {
    for (const issue of block.issues ?? []) this.addIssue(issue);
    if (block.count === 0) return;
    if (this.scratch.norms2.length < block.count) {
      this.scratch = { ...createRowScanOutput(block.count, this.dim), columnNonzero: this.columnNonzero };
    }
    const out = this.scratch;
    kernels().scanRows(block.data, block.count, this.dim, out);
    const tolerance = this.unitTolerance;
    const band = tolerance * NEAR_UNIT_BANDS;
    for (let i = 0; i < block.count; i++) {
      const row = block.rows ? (block.rows[i] as number) : block.start + i;
      const flags = out.flags[i] as number;
      const segment = this.segmentFor(row);
      if (flags & ROW_NONFINITE) {
        this.addNonfinite(block.data, i, row);
        segment?.nonfinite();
        continue;
      }
      if (flags & ROW_ZERO) {
        this.zeroCount++;
        if (this.zeroRows.length < FIRST_ROWS_KEPT) this.zeroRows.push(row);
        segment?.zero();
        continue;
      }
      let norm2 = out.norms2[i] as number;
      if (!Number.isFinite(norm2) || norm2 === 0) norm2 = exactNorm2(block.data, i * this.dim, this.dim);
      this.sketch.addSquared(norm2);
      const distance = Math.abs(Math.sqrt(norm2) - 1);
      const regime: Regime = distance <= tolerance ? 'unit' : 'raw';
      if (regime === 'unit') this.unitRows++;
      else if (distance <= band) this.nearUnitRows++;
      this.addToRun(row, regime);
      this.duplicates.add(out.hashLow[i] as number, out.hashHigh[i] as number, row);
      segment?.valid(norm2, regime);
    }
    this.rowsScanned += block.count;
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

  private addToRun(row: number, regime: Regime): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last.regime === regime) {
      last.rows++;
      return;
    }
    if (last) this.switches++;
    if (this.runs.length >= MAX_RUNS) {
      this.runsTruncated = true;
      return;
    }
    this.runs.push({ start: row, regime, rows: 1 });
  }

  private addIssue(issue: RowIssue): void {
    this.issueCount++;
    if (this.issues.length < FIRST_ROWS_KEPT) this.issues.push(issue);
    if (issue.length !== undefined) this.issueLengths[issue.length] = (this.issueLengths[issue.length] ?? 0) + 1;
  }

  private segmentCursor = 0;

  /** Rows arrive in ascending order, so a cursor finds the segment in amortized O(1). */
  private segmentFor(row: number): SegmentAccumulator | undefined {
    const list = this.segmentAccumulators;
    if (list.length === 0) return undefined;
    if (!list[this.segmentCursor]?.contains(row)) {
      const found = list.findIndex((segment) => segment.contains(row));
      if (found < 0) return undefined;
      this.segmentCursor = found;
    }
    return list[this.segmentCursor];
  }
}

/** Recompute a norm in float64 when float32 accumulation overflowed or underflowed. */
function exactNorm2(data: Float32Array, offset: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[offset + j] as number) ** 2;
  return sum;
}

/** Per-shard counts; deliberately small (no sketch) since a store can have thousands of shards. */
class SegmentAccumulator {
  private validRows = 0;
  private normSum = 0;
  private unitRows = 0;
  private zeroRows = 0;
  private nonfiniteRows = 0;

  constructor(private readonly segment: Segment) {}

  contains(row: number): boolean {
    return row >= this.segment.start && row < this.segment.start + this.segment.rows;
  }

  valid(norm2: number, regime: Regime): void {
    this.validRows++;
    this.normSum += Math.sqrt(norm2);
    if (regime === 'unit') this.unitRows++;
  }

  zero(): void {
    this.zeroRows++;
  }

  nonfinite(): void {
    this.nonfiniteRows++;
  }

  finish(): SegmentStats {
    return {
      ...this.segment,
      unitRows: this.unitRows,
      validRows: this.validRows,
      zeroRows: this.zeroRows,
      nonfiniteRows: this.nonfiniteRows,
      normMean: this.validRows ? this.normSum / this.validRows : NaN,
    };
  }
}
