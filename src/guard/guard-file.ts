import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Metric } from '../core/policy.js';
import { UsageError } from '../errors.js';
import { documentIdsFor } from '../manifest/document-ids.js';
import { commitTemp, tempPathFor } from '../io/atomic.js';
import { sha256File } from '../io/sha256.js';
import { newBuildId, removeOrphanSidecars, sidecarPath } from '../rebuild/sidecars.js';
import { createManifest } from '../manifest/create.js';
import { describeFile, readManifest, writeManifest } from '../manifest/manifest.js';
import { measureReference } from '../manifest/reference.js';
import { assertWritableTarget } from '../io/atomic.js';
import { NpyWriter } from '../io/npy-writer.js';
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
  /** JSONL with the document id of each input row (field `idField`, default `id`): kept for every accepted row. */
  readonly ids?: string;
  readonly idField?: string;
}

export interface GuardFileResult {
  readonly input: string;
  readonly out: string;
  readonly manifest: string;
  /** The id of every accepted row, in output order (the input's row numbers when no ids were given). */
  readonly ids: string;
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
  if (!options.out.toLowerCase().endsWith('.npy'))
    throw new UsageError('guard writes .npy files or SQLite tables', { where: '--out', hint: 'name the output e.g. clean.npy, or an existing table sqlite://./app.db?table=T' });
  assertWritableTarget(options.out, '--out');
  if (options.quarantine) assertWritableTarget(options.quarantine, '--quarantine');
  const source = await openSource(options.input, { metric: options.metric });
  try {
    const description = await source.describe();
    // --ids, else the id list of a file a guard or rebuild wrote, else the input's row numbers.
    const known = documentIdsFor(readManifest(options.input), description.rows, options);
    const documentIds = known.ids;
    const rowNumbersOf = documentIds ? known.rowNumbersOf : { source: description.target, rows: description.rows };
    const guard = createGuard({
      dim: options.dim,
      metric: options.metric,
      ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
      ...(options.quarantine ? { onBad: 'quarantine' as const, quarantine: options.quarantine } : { onBad: 'reject' as const }),
      duplicates: options.rejectDuplicates ? 'reject' : 'flag',
      trackIds: false,
    });
    const writer = new NpyWriter(options.out, options.dim, description.rows);
    const idList = new IdListWriter(sidecarPath(options.out, newBuildId(), 'ids.jsonl'));
    let firstRejected: readonly RejectedRow[];
    try {
      ({ firstRejected } = await guardSource(source, guard, ({ accepted }) => {
        writer.write(accepted.data, accepted.count);
        idList.write(Array.from(accepted.ids.slice(0, accepted.count), (row) => (documentIds ? (documentIds[row as number] as readonly string[]) : [String(row)])));
      }));
      idList.finish();
      writer.finish();
    } catch (error) {
      writer.abort();
      idList.abort();
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
        ids: { file: basename(idList.path), bytes: statSync(idList.path).size, sha256: sha256File(idList.path), count: writer.count, ...(rowNumbersOf ? { rowNumbersOf } : {}) },
        build: { source: description.target, sourceRows: description.rows, accepted: totals.accepted, rejected: totals.rejected, rejectedByCause: { ...totals.causes } },
      }),
    );
    removeOrphanSidecars(options.out, readManifest(options.out)?.manifest);
    return { input: description.target, out: options.out, manifest, ids: idList.path, totals, firstRejected, ...(options.quarantine ? { quarantine: options.quarantine } : {}) };
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

/**
 * The accepted rows' ids, one JSON array per line (the format rebuild's id lists use), streamed to a
 * temp file and renamed into place by finish(): the manifest written next names it.
 */
class IdListWriter {
  private readonly temp: string;
  private readonly fd: number;

  constructor(readonly path: string) {
    this.temp = tempPathFor(path);
    this.fd = openSync(this.temp, 'w');
  }

  write(ids: readonly (readonly string[])[]): void {
    if (ids.length) writeSync(this.fd, ids.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  finish(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    commitTemp(this.temp, this.path);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed by finish()
    }
    rmSync(this.temp, { force: true });
  }
}
