import { mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { createManifest } from '../manifest/create.js';
import { writeIdSidecar } from '../manifest/ids.js';
import { readManifest } from '../manifest/manifest.js';
import type { StoreManifest } from '../manifest/schema.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';
import type { EngineSpace, SearchSpec } from './engines/engine.js';
import { chooseEngine } from './engines/index.js';
import { EngineError } from './errors.js';
import { commitTemp, removeStaleTemps, tempPathFor, writeFileAtomic } from '../io/atomic.js';
import { promotePendingManifest, recoverPendingCommit, writePendingManifest } from './files/commit.js';
import { sha256File } from '../io/sha256.js';
import { loadThroughGuard } from './load.js';
import { indexParamsFor } from './params.js';
import { newBuildId, removeOrphanSidecars, sidecarPath } from './sidecars.js';
import { reachStep } from './steps.js';
import { documentIdsFor } from '../manifest/document-ids.js';
import { codebookFingerprintOfTraining, trainingSample } from './training.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from './types.js';
import { encodeWhitening } from './whiten.js';
import { cleanRows, transformRows } from './prepare.js';
import type { Rows } from '../core/rows.js';

/** The rows as written into the new index, and how to search it (for the after-check and smoke). */
export interface AppliedRebuild extends Rows {
  readonly summary: NonNullable<RebuildResult['applied']>;
  readonly search: SearchSpec;
  readonly manifest: StoreManifest;
}

/**
 * Clean, transform, build, verify, then commit index + manifest as one unit: the new manifest is
 * written as a pending manifest first, the index rename is the commit point (from then on readers
 * take the pending manifest, whose index is in place), and the pending manifest is renamed over
 * the old one last. A crash at any point leaves the old unit or the new one; the next run finishes
 * or discards a pending manifest and removes temp files. The caller holds the output lock.
 */
export async function applyRebuild(source: VectorSource, description: SourceDescription, plan: RebuildPlan, options: RebuildOptions): Promise<AppliedRebuild> {
  const startedAt = performance.now();
  const out = resolve(options.out);
  const dim = options.dim ?? description.dim;
  const engine = chooseEngine(out, options.index, options.engine);
  const space: EngineSpace = options.metric === 'l2' ? 'l2' : 'ip';
  const staleTempsRemoved = [...recoverPendingCommit(out), ...removeStaleTemps(out)];
  const previous = readPreviousManifest(out);
  staleTempsRemoved.push(...removeOrphanSidecars(out, previous));
  const sourceIds = documentIdsFor(readManifest(options.source), description.rows, options);
  const documentIds = sourceIds.ids;
  // Ids that are row numbers say of which file, so `--ids` with one id per row of it can map them later.
  const rowNumbersOf = documentIds ? sourceIds.rowNumbersOf : { source: description.target, rows: description.rows };

  await reachStep('load', options.onStep);
  const loaded = await loadThroughGuard(source, description, { dim, metric: options.metric, normalize: plan.normalize, quarantine: options.quarantine });
  if (loaded.count === 0) throw new InputError('every row was rejected: nothing to index', { where: description.target, hint: 'see the guard counts in the plan; the embedding step is broken' });

  await reachStep('clean', options.onStep);
  const { data, count, cleaning } = cleanRows(loaded, options);
  // A source row's ids: its own, then any an earlier rebuild folded into it.
  const idsOf = (position: number): readonly string[] => {
    const row = loaded.sourceRows[position] as number;
    return documentIds ? (documentIds[row] as readonly string[]) : [String(row)];
  };
  const rowIds = Array.from(cleaning.keep, (position) => [...idsOf(position), ...(cleaning.folded.get(position) ?? []).flatMap(idsOf)]);

  await reachStep('transform', options.onStep);
  const { whitening, reference } = transformRows({ data, count, dim, cleaning }, plan, options);

  await reachStep('build', options.onStep);
  const indexTemp = tempPathFor(out);
  const workDir = tempPathFor(out);
  mkdirSync(workDir);
  try {
    const params = indexParamsFor(options, count, dim);
    const training = params.type === 'ivfpq' ? trainingSample(data, count, dim, params.ivfpq.trainingRows, options.seed ?? 0) : undefined;
    const built = await engine.build({ data, count, dim, space, params, path: indexTemp, workDir, training });
    const search: SearchSpec = { path: out, dim, space, params: built.params, workDir };

    await reachStep('verify', options.onStep);
    const ntotal = await engine.count({ ...search, path: indexTemp });
    if (ntotal !== count) throw new EngineError(`the written index holds ${ntotal} vectors, ${count} were accepted`, { where: indexTemp, hint: 'the engine dropped or duplicated rows; the old index was left untouched' });

    await reachStep('sidecars', options.onStep);
    const buildId = newBuildId();
    const idsPath = sidecarPath(out, buildId, 'ids.jsonl');
    writeIdSidecar(idsPath, rowIds);
    const whitenPath = whitening ? sidecarPath(out, buildId, 'whiten.f32') : undefined;
    if (whitening && whitenPath) writeFileAtomic(whitenPath, new Uint8Array(encodeWhitening(whitening).buffer));
    const manifest = createManifest({
      dim,
      metric: options.metric,
      normalized: plan.normalize,
      rows: count,
      ...(options.model ? { model: options.model } : {}),
      whitening: whitening && whitenPath ? { applied: true, transform: fileRecord(whitenPath), shrinkage: whitening.shrinkage } : { applied: false },
      index: { file: basename(out), bytes: statSync(indexTemp).size, sha256: sha256File(indexTemp), engine: engine.name, type: built.type, params: built.params },
      ...(training
        ? { codebook: { training: codebookFingerprintOfTraining(training, params), ...(built.codebookSha256 ? { codebook: built.codebookSha256 } : {}), trainingRows: training.count, params: { ...built.params } } }
        : {}),
      reference,
      ids: { ...fileRecord(idsPath), count, aliases: cleaning.duplicatesRemoved, ...(rowNumbersOf ? { rowNumbersOf } : {}) },
      build: {
        source: description.target,
        sourceRows: description.rows,
        accepted: loaded.count,
        rejected: loaded.totals.rejected,
        rejectedByCause: { ...loaded.totals.causes },
        duplicatesRemoved: cleaning.duplicatesRemoved,
        boilerplateMasked: cleaning.boilerplateMasked,
        nearDuplicateDistance: cleaning.threshold,
        seed: options.seed ?? 0,
      },
    });

    writePendingManifest(out, manifest);

    await reachStep('commit-index', options.onStep);
    commitTemp(indexTemp, out);

    await reachStep('commit-manifest', options.onStep);
    const manifestPath = promotePendingManifest(out);

    await reachStep('cleanup', options.onStep);
    removeOrphanSidecars(out, manifest);
    return {
      summary: {
        accepted: loaded.count,
        rejected: loaded.totals.rejected,
        duplicatesRemoved: cleaning.duplicatesRemoved,
        boilerplateMasked: cleaning.boilerplateMasked,
        rowsWritten: count,
        ntotal,
        manifest: manifestPath,
        ids: idsPath,
        seconds: Math.round((performance.now() - startedAt) / 100) / 10,
        staleTempsRemoved,
      },
      data,
      count,
      dim,
      search: { ...search, workDir: '' },
      manifest,
    };
  } finally {
    rmSync(indexTemp, { force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
}

function fileRecord(path: string): { file: string; bytes: number; sha256: string } {
  return { file: basename(path), bytes: statSync(path).size, sha256: sha256File(path) };
}

/** The manifest being replaced; a malformed one is simply replaced. */
function readPreviousManifest(out: string): StoreManifest | undefined {
  try {
    return readManifest(out)?.manifest;
  } catch {
    return undefined;
  }
}
