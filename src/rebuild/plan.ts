import { count, figure } from '../core/format.js';
import { UsageError } from '../errors.js';
import { createGuard } from '../guard/guard.js';
import { guardSource } from '../guard/guard-source.js';
import type { GuardTotals } from '../guard/types.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';
import { chooseEngine } from './engines/index.js';
import { storeTargetFor } from './stores/targets.js';
import { estimateRebuild } from './estimate.js';
import { documentIdsFor } from '../manifest/document-ids.js';
import { readManifest } from '../manifest/manifest.js';
import { flattenParams, indexParamsFor } from './params.js';
import { BOILERPLATE_MIN_COPIES } from './clean.js';
import type { RebuildOptions, RebuildPlan } from './types.js';

/**
 * What `rebuild` will do, with sizes, parameters and a time estimate. Scans the source once through
 * the guard (nothing is kept) so the plan states how many rows each step removes.
 */
export async function planRebuild(source: VectorSource, description: SourceDescription, options: RebuildOptions): Promise<RebuildPlan> {
  const dim = options.dim ?? description.dim;
  if (description.rows === 0) throw new UsageError('the source holds no vectors: nothing to rebuild', { where: description.target, hint: 'rebuild from the file or store that holds the embeddings' });
  const store = storeTargetFor(options);
  const engine = store ? { name: store.engine } : chooseEngine(options.out, options.index, options.engine);
  const normalize = options.metric === 'cosine';
  // Read (and count-checked) now, so a wrong id file stops the plan, not only --apply.
  const ids = store?.inPlace ? { origin: "the table's own ids (kept in place)" } : documentIdsFor(readManifest(options.source), description.rows, options);
  // In place, rows without a vector stay as they are (the apply step keeps them): counted, not rejected.
  const { totals: guard, nullsKept } = await dryRunGuard(source, description, dim, options, Boolean(store?.inPlace));
  const params = indexParamsFor(options, Math.max(1, guard.accepted), dim);
  const estimate = estimateRebuild(guard.accepted, dim, engine.name, params, { dedup: Boolean(options.dedup || options.maskBoilerplate), whiten: Boolean(options.whiten) });
  const steps = [
    `read ${count(description.rows)} × ${description.dim} ${description.storage.type} rows from ${description.target}`,
    `reject bad rows: ${describeRejections(guard)} → ${count(guard.accepted)} rows${options.quarantine ? ` (rejected rows to ${options.quarantine})` : ''}${nullsKept > 0 ? `; ${nullsKept === 1 ? '1 row without a vector kept as it is' : `${count(nullsKept)} rows without a vector kept as they are`}` : ''}`,
    ...(options.dedup ? [`fold near-duplicates into one row each (${count(guard.duplicatesFlagged)} exact copies found by the scan; near copies measured at apply)`] : []),
    ...(options.maskBoilerplate ? [`mask boilerplate: drop every copy of content repeated ${BOILERPLATE_MIN_COPIES}+ times`] : []),
    normalize ? `L2-normalize for cosine (${count(guard.alreadyUnit)} rows already unit length, kept as they are)` : `keep vectors as they are (${options.metric} uses raw lengths)`,
    ...(options.whiten ? [`whiten (centre + decorrelate, recorded in the manifest; queries get the same transform)${normalize ? ', then normalize again' : ''}`] : []),
    ...(store
      ? store.writeSteps(params, options.metric)
      : [
          `build ${params.type} with ${engine.name}: ${
            Object.entries(flattenParams(params))
              .map(([key, value]) => `${key} ${value}`)
              .join(', ') || 'exact search'
          }`,
          `verify the index holds exactly the accepted rows (ntotal read back by ${engine.name})`,
          `write to a temp file beside ${options.out}, fsync, rename over it (the old index stays intact until then)`,
          `write ${options.out}.vectorclinic.json (policy manifest) and the row → id list`,
        ]),
    `document ids: ${ids.origin}`,
    ...(options.checkBeforeAfter === false ? [] : ['run check before and after and print both']),
  ];
  return {
    source: { target: description.target, kind: description.kind, rows: description.rows, dim: description.dim, storage: description.storage.type, bytes: description.storage.bytes },
    out: store ? store.shown : options.out,
    engine: engine.name,
    index: { type: params.type, params: flattenParams(params) },
    metric: options.metric,
    normalize,
    whiten: Boolean(options.whiten),
    dedup: Boolean(options.dedup),
    maskBoilerplate: Boolean(options.maskBoilerplate),
    guard,
    ids: ids.origin,
    steps,
    estimate: { ...estimate, seconds: Number(figure(estimate.seconds, 2)), basis: 'rough estimate, ±50%: build time depends on the machine' },
  };
}

async function dryRunGuard(source: VectorSource, description: SourceDescription, dim: number, options: RebuildOptions, keepNulls: boolean): Promise<{ totals: GuardTotals; nullsKept: number }> {
  const guard = createGuard({ dim, metric: options.metric, normalize: false, trackIds: false });
  if (description.dim !== dim) {
    throw new UsageError(`the source holds ${description.dim}-dimensional vectors, --dim says ${dim}: every row would be rejected`, {
      where: description.target,
      hint: `re-embed with the model that produces ${dim} dimensions, or drop --dim`,
    });
  }
  const { nullsKept } = await guardSource(source, guard, undefined, { keepNulls });
  return { totals: guard.totals(), nullsKept };
}

function describeRejections(totals: GuardTotals): string {
  const parts = Object.entries(totals.causes)
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${count(n)} ${cause}`);
  return parts.length ? parts.join(', ') : 'none found';
}
