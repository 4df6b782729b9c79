import { UsageError } from '../errors.js';
import { createRowScanOutput, kernels, ROW_NONFINITE, ROW_ZERO, type RowScanOutput } from '../math/kernels.js';
import { squaredNorm } from '../math/vectors.js';
import { normToleranceFor } from '../sources/files/norm-tolerance.js';
import { packBatch, type PackedBatch } from './batch.js';
import { BadRowError } from './errors.js';
import { appendQuarantine, quarantineLines, unreadableLines } from './quarantine.js';
import { RowHashSet } from './row-hash-set.js';
import type { BatchOptions, BatchReport, Guard, GuardBatch, GuardOptions, GuardResult, GuardTotals, RejectCause, RejectedRow, RowId, UnreadableRow } from './types.js';

/** Duplicates listed by id in a batch report; the count covers all of them. */
const DUPLICATES_LISTED = 20;

const noCauses = (): Record<RejectCause, number> => ({ dimension: 0, nonfinite: 0, zero: 0, duplicate: 0, 'existing-id': 0, unreadable: 0 });

/**
 * An ingestion guard: asserts the dimension contract on every batch, refuses zero and non-finite
 * rows with reasons, flags repeated content and re-used ids, and normalizes exactly once so the
 * stored state matches the policy. Its hot loop is one `scanRows` kernel call per batch plus a
 * hash-set probe and a scaled copy per row.
 */
export function createGuard(options: GuardOptions): Guard {
  if (!Number.isSafeInteger(options.dim) || options.dim <= 0) throw new UsageError(`guard dim must be a positive integer, got ${options.dim}`, { where: 'createGuard' });
  const onBad = options.onBad ?? 'reject';
  if (onBad === 'quarantine' && !options.quarantine) {
    throw new UsageError("onBad 'quarantine' needs a quarantine file path", { where: 'createGuard', hint: 'pass quarantine: "rejected.jsonl"' });
  }
  return new RowGuard(options, onBad);
}

class RowGuard implements Guard {
  readonly options: Guard['options'];
  private readonly tolerance: number;
  private readonly seenContent = new RowHashSet();
  /** Id of each distinct content, by ordinal (to name what a duplicate repeats). */
  private readonly contentIds: RowId[] = [];
  private readonly seenIds: Set<string> | undefined;
  private scratch: RowScanOutput;
  private batches = 0;
  private nextRowId = 0;
  private readonly running = { ingested: 0, accepted: 0, rejected: 0, duplicatesFlagged: 0, rescaled: 0, alreadyUnit: 0, causes: noCauses() };

  constructor(
    private readonly settings: GuardOptions,
    onBad: 'reject' | 'quarantine' | 'throw',
  ) {
    this.options = {
      dim: settings.dim,
      metric: settings.metric,
      normalize: settings.normalize ?? settings.metric === 'cosine',
      onBad,
      duplicates: settings.duplicates ?? 'flag',
    };
    this.tolerance = settings.normTolerance ?? normToleranceFor('float32', settings.dim);
    this.seenIds = settings.trackIds === false ? undefined : new Set([...(settings.knownIds ?? [])].map(String));
    this.scratch = createRowScanOutput(0, settings.dim);
  }

  check(batch: GuardBatch, batchOptions: BatchOptions = {}): GuardResult {
    const batchId = batchOptions.batchId ?? String(this.batches + 1);
    const { dim, normalize, onBad } = this.options;
    const packed = packBatch(batch, dim, batchId);
    const ids = batchOptions.ids ?? Array.from({ length: packed.rows }, (_, i) => this.nextRowId + i);
    if (ids.length !== packed.rows) {
      throw new UsageError(`batch ${batchId}: ${ids.length} ids for ${packed.rows} rows`, { where: `batch ${batchId}`, hint: 'pass one id per row' });
    }

    if (batchOptions.into && batchOptions.into.length < packed.rows * dim) {
      throw new UsageError(`batch ${batchId}: the output buffer holds ${batchOptions.into.length} floats, ${packed.rows} rows × ${dim} need ${packed.rows * dim}`, {
        where: `batch ${batchId}`,
        hint: 'pass an into buffer of at least rows × dim floats',
      });
    }
    const rejected: RejectedRow[] = [];
    for (const { row, length } of packed.wrongLength) {
      rejected.push({ row, id: ids[row] as RowId, cause: 'dimension', detail: `${length} values, the policy says ${dim}` });
    }

    const scan = this.scan(packed);
    const keep = new Uint8Array(packed.packed);
    const duplicates: { id: RowId; duplicateOf: RowId }[] = [];
    let duplicatesFlagged = 0;
    let rescaled = 0;
    let alreadyUnit = 0;
    const batchIds = new Set<string>();
    // Ordinals handed to the content set are provisional until the batch is accepted whole.
    const firstOrdinal = this.contentIds.length;
    const newContentIds: RowId[] = [];
    for (let p = 0; p < packed.packed; p++) {
      const row = packed.packedRows ? (packed.packedRows[p] as number) : p;
      const id = ids[row] as RowId;
      const flags = scan.flags[p] as number;
      if (flags & ROW_NONFINITE) {
        rejected.push({ row, id, cause: 'nonfinite', detail: describeNonfinite(packed.data, p, dim) });
        continue;
      }
      if (flags & ROW_ZERO) {
        rejected.push({ row, id, cause: 'zero', detail: 'every value is 0 (failed or empty embedding)' });
        continue;
      }
      // Only guards that track ids pay for the string key.
      const key = this.seenIds ? String(id) : '';
      if (this.seenIds && (this.seenIds.has(key) || batchIds.has(key))) {
        rejected.push({ row, id, cause: 'existing-id', detail: 'id already in the store: not overwritten' });
        continue;
      }
      const earlier = this.seenContent.addOrGet(scan.hashLow[p] as number, scan.hashHigh[p] as number, firstOrdinal + newContentIds.length);
      if (earlier >= 0) {
        const duplicateOf = (earlier < firstOrdinal ? this.contentIds[earlier] : newContentIds[earlier - firstOrdinal]) as RowId;
        if (this.options.duplicates === 'reject') {
          rejected.push({ row, id, cause: 'duplicate', detail: `same content as id ${duplicateOf}`, duplicateOf });
          continue;
        }
        duplicatesFlagged++;
        if (duplicates.length < DUPLICATES_LISTED) duplicates.push({ id, duplicateOf });
      } else {
        newContentIds.push(id);
      }
      if (this.seenIds) batchIds.add(key);
      keep[p] = 1;
    }

    if (onBad === 'throw' && rejected.length > 0) {
      this.forgetContent(firstOrdinal, newContentIds.length);
      throw badRow(batchId, rejected);
    }

    const acceptedCount = keep.reduce((sum, flag) => sum + flag, 0);
    const out = this.acceptedData(packed, keep, acceptedCount, scan, batchOptions.into);
    rescaled = out.rescaled;
    alreadyUnit = out.alreadyUnit;
    const acceptedRows = new Int32Array(acceptedCount);
    const acceptedIds: RowId[] = new Array(acceptedCount);
    for (let p = 0, a = 0; p < packed.packed; p++) {
      if (!keep[p]) continue;
      const row = packed.packedRows ? (packed.packedRows[p] as number) : p;
      acceptedRows[a] = row;
      acceptedIds[a++] = ids[row] as RowId;
    }
    rejected.sort((a, b) => a.row - b.row);

    for (const id of newContentIds) this.contentIds.push(id);
    for (const key of batchIds) this.seenIds?.add(key);
    this.nextRowId += packed.rows;
    this.batches++;

    let quarantined = 0;
    if (onBad === 'quarantine' && rejected.length > 0) {
      appendQuarantine(this.settings.quarantine as string, quarantineLines(batchId, rejected, packed.original));
      quarantined = rejected.length;
    }
    const causes = noCauses();
    for (const row of rejected) causes[row.cause]++;
    const report: BatchReport = {
      batchId,
      ingested: packed.rows,
      accepted: acceptedCount,
      rejected: rejected.length,
      causes,
      dimension: { expected: dim, ok: packed.wrongLength.length === 0, found: packed.lengths },
      duplicates: { flagged: duplicatesFlagged, first: duplicates },
      normalization: { applied: normalize, rescaled, alreadyUnit },
      quarantined,
    };
    this.record(report);
    this.settings.log?.(logLine(report));
    return { accepted: { dim, count: acceptedCount, data: out.data, ids: acceptedIds, rows: acceptedRows }, rejected, report };
  }

  refuseUnreadable(rows: readonly UnreadableRow[], batchOptions: Pick<BatchOptions, 'batchId'> = {}): GuardResult {
    const batchId = batchOptions.batchId ?? String(this.batches + 1);
    const { dim, normalize, onBad } = this.options;
    const rejected: RejectedRow[] = rows.map((row) =>
      row.kind === 'length' && row.length !== undefined
        ? { row: row.row, id: row.id, cause: 'dimension', detail: `${row.length} values, the policy says ${dim}` }
        : { row: row.row, id: row.id, cause: row.kind === 'length' ? 'dimension' : 'unreadable', detail: row.detail },
    );
    if (onBad === 'throw' && rejected.length > 0) throw badRow(batchId, rejected);
    this.batches++;
    if (onBad === 'quarantine' && rejected.length > 0) appendQuarantine(this.settings.quarantine as string, unreadableLines(batchId, rejected));
    const causes = noCauses();
    for (const row of rejected) causes[row.cause]++;
    const lengths = [...new Set(rows.flatMap((row) => (row.length === undefined ? [] : [row.length])))];
    const report: BatchReport = {
      batchId,
      ingested: rows.length,
      accepted: 0,
      rejected: rejected.length,
      causes,
      dimension: { expected: dim, ok: causes.dimension === 0, found: lengths },
      duplicates: { flagged: 0, first: [] },
      normalization: { applied: normalize, rescaled: 0, alreadyUnit: 0 },
      quarantined: onBad === 'quarantine' ? rejected.length : 0,
    };
    this.record(report);
    this.settings.log?.(logLine(report));
    return { accepted: { dim, count: 0, data: new Float32Array(0), ids: [], rows: new Int32Array(0) }, rejected, report };
  }

  rememberIds(ids: Iterable<RowId>): void {
    if (!this.seenIds) throw new UsageError('this guard was created with trackIds: false', { where: 'rememberIds' });
    for (const id of ids) this.seenIds.add(String(id));
  }

  totals(): GuardTotals {
    const r = this.running;
    return { batches: this.batches, ingested: r.ingested, accepted: r.accepted, rejected: r.rejected, causes: { ...r.causes }, duplicatesFlagged: r.duplicatesFlagged, rescaled: r.rescaled, alreadyUnit: r.alreadyUnit };
  }

  private scan(packed: PackedBatch): RowScanOutput {
    const { dim } = this.options;
    if (this.scratch.norms2.length < packed.packed) {
      this.scratch = createRowScanOutput(Math.max(packed.packed, 2 * this.scratch.norms2.length), dim);
    }
    // columnNonzero accumulates across calls; the guard does not use it, so it is never reset.
    kernels().scanRows(packed.data, packed.packed, dim, this.scratch);
    return this.scratch;
  }

  /**
   * The accepted rows, normalized when the policy says so. Returns the caller's array untouched
   * when every row is kept and none needs rescaling.
   */
  private acceptedData(packed: PackedBatch, keep: Uint8Array, count: number, scan: RowScanOutput, into: Float32Array | undefined): { data: Float32Array; rescaled: number; alreadyUnit: number } {
    const { dim, normalize } = this.options;
    const source = packed.data;
    // float64: the inverse of a tiny (subnormal) norm overflows float32.
    const scales = new Float64Array(packed.packed);
    let rescaled = 0;
    let alreadyUnit = 0;
    for (let p = 0; p < packed.packed; p++) {
      if (!keep[p]) continue;
      let norm2 = scan.norms2[p] as number;
      // float32 sums overflow for huge values and underflow for tiny ones: recompute those in float64.
      if (!(norm2 > 0) || !Number.isFinite(norm2)) norm2 = squaredNorm(source, p * dim, dim);
      const norm = Math.sqrt(norm2);
      if (Math.abs(norm - 1) <= this.tolerance) {
        alreadyUnit++;
        scales[p] = 1;
      } else if (normalize) {
        rescaled++;
        scales[p] = 1 / norm;
      } else {
        scales[p] = 1;
      }
    }
    if (count === packed.packed && rescaled === 0) return { data: source, rescaled, alreadyUnit };
    const out = into ? into.subarray(0, count * dim) : new Float32Array(count * dim);
    if (rescaled === 0) {
      // Nothing to scale: copy runs of kept rows with native copies instead of a per-value loop.
      let o = 0;
      for (let p = 0; p < packed.packed; ) {
        if (!keep[p]) {
          p++;
          continue;
        }
        let end = p + 1;
        while (end < packed.packed && keep[end]) end++;
        out.set(source.subarray(p * dim, end * dim), o);
        o += (end - p) * dim;
        p = end;
      }
      return { data: out, rescaled, alreadyUnit };
    }
    for (let p = 0, o = 0; p < packed.packed; p++) {
      if (!keep[p]) continue;
      const scale = scales[p] as number;
      const base = p * dim;
      // Multiplying by exactly 1 keeps every bit, so already-unit rows are copied unchanged.
      for (let j = 0; j < dim; j++) out[o + j] = (source[base + j] as number) * scale;
      o += dim;
    }
    return { data: out, rescaled, alreadyUnit };
  }

  /** A refused batch must leave no trace in the content set. */
  private forgetContent(firstOrdinal: number, added: number): void {
    if (added > 0) this.seenContent.removeFrom(firstOrdinal);
  }

  private record(report: BatchReport): void {
    const r = this.running;
    r.ingested += report.ingested;
    r.accepted += report.accepted;
    r.rejected += report.rejected;
    r.duplicatesFlagged += report.duplicates.flagged;
    r.rescaled += report.normalization.rescaled;
    r.alreadyUnit += report.normalization.alreadyUnit;
    for (const cause of Object.keys(report.causes) as RejectCause[]) r.causes[cause] += report.causes[cause];
  }
}

function describeNonfinite(data: Float32Array, packedRow: number, dim: number): string {
  let nan = 0;
  let inf = 0;
  let first = -1;
  for (let j = 0; j < dim; j++) {
    const value = data[packedRow * dim + j] as number;
    if (Number.isNaN(value)) nan++;
    else if (!Number.isFinite(value)) inf++;
    else continue;
    if (first < 0) first = j;
  }
  return `${nan} NaN and ${inf} infinite values (first at index ${first})`;
}

function badRow(batchId: string, rejected: readonly RejectedRow[]): BadRowError {
  const first = rejected.reduce((a, b) => (b.row < a.row ? b : a));
  return new BadRowError(`batch ${batchId} refused: row ${first.row} (id ${first.id}) ${first.cause}: ${first.detail}${rejected.length > 1 ? `; ${rejected.length - 1} more bad rows` : ''}`, {
    where: `batch ${batchId}`,
    row: first.row,
    hint: 'fix the embedding step for these rows, or create the guard with onBad "reject" / "quarantine" to drop them and continue',
    reason: first.cause,
    id: first.id,
    batchId,
  });
}

function logLine(report: BatchReport): string {
  const contract = report.dimension.ok ? `dim ${report.dimension.expected} ok` : `dim ${report.dimension.expected} VIOLATED (found ${report.dimension.found.join(', ')})`;
  const causes = Object.entries(report.causes)
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${cause} ${n}`);
  return `guard batch ${report.batchId}: ${contract}; ingested ${report.ingested} = accepted ${report.accepted} + rejected ${report.rejected}${causes.length ? ` (${causes.join(', ')})` : ''}; duplicates flagged ${report.duplicates.flagged}; rescaled ${report.normalization.rescaled}, already unit ${report.normalization.alreadyUnit}`;
}
