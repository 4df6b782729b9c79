import type { Metric } from '../core/policy.js';
import { UsageError } from '../errors.js';
import { createManifest } from '../manifest/create.js';
import { describeFile, writeManifest } from '../manifest/manifest.js';
import { measureReference } from '../manifest/reference.js';
import { assertWritableTarget } from '../rebuild/files/atomic.js';
import { NpyWriter } from '../rebuild/files/npy-writer.js';
import { openSource } from '../sources/open-source.js';
import { openNpy } from '../sources/files/npy.js';
import { createGuard } from './guard.js';
import { guardSource } from './guard-source.js';
import type { GuardTotals, RejectedRow } from './types.js';

export interface GuardFileOptions {
  readonly input: string;
  readonly out: string;
  readonly dim: number;
  readonly metric: Metric;
  readonly normalize?: boolean;
  readonly quarantine?: string;
  readonly rejectDuplicates?: boolean;
  readonly model?: string;
}

export interface GuardFileResult {
  readonly input: string;
  readonly out: string;
  readonly manifest: string;
  readonly totals: GuardTotals;
  /** The first rejected rows (row = source row number). */
  readonly firstRejected: readonly RejectedRow[];
  readonly quarantine?: string;
}

/**
 * Guard a whole vector file into a clean .npy (written atomically) plus its manifest: the file
 * form of `createGuard`, streaming block by block so the input never sits in memory whole.
 */
export async function guardFile(options: GuardFileOptions): Promise<GuardFileResult> {
  if (!options.out.toLowerCase().endsWith('.npy')) throw new UsageError('guard writes .npy files', { where: '--out', hint: 'name the output e.g. clean.npy' });
  assertWritableTarget(options.out, '--out');
  if (options.quarantine) assertWritableTarget(options.quarantine, '--quarantine');
  const source = await openSource(options.input, { metric: options.metric });
  try {
    const description = await source.describe();
    const guard = createGuard({
      dim: options.dim,
      metric: options.metric,
      ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
      onBad: options.quarantine ? 'quarantine' : 'reject',
      ...(options.quarantine ? { quarantine: options.quarantine } : {}),
      duplicates: options.rejectDuplicates ? 'reject' : 'flag',
      trackIds: false,
    });
    const writer = new NpyWriter(options.out, options.dim, description.rows);
    let firstRejected: readonly RejectedRow[];
    try {
      ({ firstRejected } = await guardSource(source, guard, ({ accepted }) => writer.write(accepted.data, accepted.count)));
      writer.finish();
    } catch (error) {
      writer.abort();
      throw error;
    }
    const totals = guard.totals();
    const manifest = writeManifest(
      options.out,
      createManifest({
        dim: options.dim,
        metric: options.metric,
        normalized: guard.options.normalize,
        rows: writer.count,
        ...(options.model ? { model: options.model } : {}),
        index: { ...describeFile(options.out), engine: 'numpy', type: 'flat', params: {} },
        ...(writer.count > 0 ? { reference: await referenceOf(options.out) } : {}),
        build: { source: description.target, sourceRows: description.rows, accepted: totals.accepted, rejected: totals.rejected, rejectedByCause: { ...totals.causes } },
      }),
    );
    return { input: description.target, out: options.out, manifest, totals, firstRejected, ...(options.quarantine ? { quarantine: options.quarantine } : {}) };
  } finally {
    await source.close();
  }
}

/** The reference distribution of the file just written (read back: it may not fit in memory at once otherwise). */
async function referenceOf(path: string) {
  const source = openNpy(path);
  try {
    const { rows, dim } = await source.describe();
    const picks = Array.from({ length: Math.min(rows, 20_000) }, (_, i) => Math.floor((i * rows) / Math.min(rows, 20_000)));
    const block = await source.readRows(picks);
    return measureReference(block.data, block.count, dim);
  } finally {
    await source.close();
  }
}
