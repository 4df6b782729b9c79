import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { check, checkSource } from '../api/check.js';
import { METRICS } from '../core/policy.js';
import type { Report } from '../core/report.js';
import { UsageError } from '../errors.js';
import { manifestPolicy, readManifest } from '../manifest/manifest.js';
import { openSource } from '../sources/open-source.js';
import { normToleranceFor } from '../sources/files/norm-tolerance.js';
import { applyRebuild, type AppliedRebuild } from './apply.js';
import { chooseEngine } from './engines/index.js';
import { assertWritableTarget } from '../io/atomic.js';
import { acquireOutputLock, type OutputLock } from './files/output-lock.js';
import { MemorySource } from './memory-source.js';
import { INDEX_TYPES } from './types.js';
import { planRebuild } from './plan.js';
import { storeTargetFor, type StoreTarget } from './stores/targets.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';
import type { FindingSummary, RebuildOptions, RebuildPlan, RebuildResult } from './types.js';

/** The before/after checks sample this many rows: enough for every check, quick on any store. */
const CHECK_SAMPLE = 5000;

/**
 * Plan (default) or apply a rebuild: reject bad rows → deduplicate / mask boilerplate → normalize
 * (and whiten) → build with the engine's own builder → verify → commit atomically → write the
 * manifest → check before and after.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  validate(options);
  const source = await openSource(options.source, { metric: options.metric });
  try {
    const description = await source.describe();
    const plan = await planRebuild(source, description, options);
    if (!options.apply) return { schema: 1, mode: 'plan', plan };
    const store = storeTargetFor(options);
    // One writer per output: a second `rebuild --apply` to it stops here, naming the first.
    const lock = store ? (store.lockTarget ? acquireOutputLock(store.lockTarget, store.shown) : undefined) : acquireOutputLock(resolve(options.out), options.out);
    try {
      return await applyLocked(source, description, plan, options, { store, lock });
    } finally {
      lock?.release();
    }
  } finally {
    await source.close();
  }
}

/** `held.store` when the output is a store (else an index file), `held.lock` the output's lock when one was taken. */
async function applyLocked(source: VectorSource, description: SourceDescription, plan: RebuildPlan, options: RebuildOptions, held: { readonly store?: StoreTarget; readonly lock?: OutputLock }): Promise<RebuildResult> {
  const { store, lock } = held;
  const staleLock = lock?.brokeStale ? [`${basename(lock.path)} (lock of process ${lock.brokeStale.pid}, gone, since ${lock.brokeStale.startedAt})`] : [];
  const wantChecks = options.checkBeforeAfter !== false;
  const before = wantChecks
    ? summarize(await check(options.source, { metric: options.metric, ...(options.dim ? { dim: options.dim } : {}), ...(options.model ? { model: options.model } : {}), sample: CHECK_SAMPLE }))
    : undefined;
  if (store) {
    const applied = await store.apply(source, description, plan, options);
    // The store as any client now sees it: its own index, its own manifest.
    const after = wantChecks ? summarize(await check(store.readTarget ?? options.out, { metric: options.metric, sample: CHECK_SAMPLE })) : undefined;
    return { schema: 1, mode: 'apply', plan, applied: { ...applied, staleTempsRemoved: [...staleLock, ...applied.staleTempsRemoved] }, ...(before ? { before } : {}), ...(after ? { after } : {}) };
  }
  const applied = await applyRebuild(source, description, plan, options);
  const after = wantChecks ? summarize(await checkRebuilt(applied, options)) : undefined;
  return { schema: 1, mode: 'apply', plan, applied: { ...applied.summary, staleTempsRemoved: [...staleLock, ...applied.summary.staleTempsRemoved] }, ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/**
 * Check the rows exactly as the new index holds them, against the manifest just written, with
 * the index's own search audited against exact search over the same rows.
 */
async function checkRebuilt(applied: AppliedRebuild, options: RebuildOptions): Promise<Report> {
  const loaded = readManifest(options.out);
  if (!loaded) throw new Error('the manifest just written cannot be read back');
  const engine = chooseEngine(options.out, options.index, options.engine);
  const workDir = mkdtempSync(join(tmpdir(), 'vectorclinic-after-'));
  try {
    const { manifest } = applied;
    const source = new MemorySource(
      applied.data,
      {
        kind: `${engine.name} index`,
        target: options.out,
        rows: applied.count,
        rowsExact: true,
        dim: applied.dim,
        storage: { type: 'float32', bytes: applied.count * applied.dim * 4, lossy: false },
        normTolerance: normToleranceFor('float32', applied.dim),
        local: true,
        index: {
          engine: engine.name,
          type: manifest.index?.type ?? options.index,
          metric: applied.search.space,
          metricSource: 'index',
          normalizesInput: false,
          trained: true,
          ntotal: applied.count,
          params: manifest.index?.params ?? {},
        },
      },
      (queries, count, k) => engine.search({ ...applied.search, workDir }, queries, count, k),
      applied.search.space,
    );
    return await checkSource(source, { sample: CHECK_SAMPLE }, { ...manifestPolicy(loaded), from: `manifest ${loaded.path}` });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export function summarize(report: Report): FindingSummary {
  return { verdict: report.verdict, findings: report.findings.filter((f) => f.severity !== 'info').map((f) => ({ code: f.code, severity: f.severity })) };
}

function validate(options: RebuildOptions): void {
  if (!METRICS.includes(options.metric)) throw new UsageError(`unknown metric '${options.metric}'`, { where: '--metric', hint: `one of ${METRICS.join(', ')}` });
  if (!INDEX_TYPES.includes(options.index)) throw new UsageError(`unknown index type '${options.index}'`, { where: '--index', hint: `one of ${INDEX_TYPES.join(', ')}` });
  if (!options.out) throw new UsageError('no output given', { where: '--out', hint: 'name the index file to write, e.g. --out clean.hnsw' });
  if (!storeTargetFor(options)) assertWritableTarget(options.out, '--out');
  if (options.quarantine) assertWritableTarget(options.quarantine, '--quarantine');
}
