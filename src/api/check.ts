import { CHECKS } from '../checks/registry.js';
import { runChecks } from '../checks/runner.js';
import type { DeclaredPolicy } from '../core/policy.js';
import type { Report } from '../core/report.js';
import { UsageError } from '../errors.js';
import { DEFAULT_SCAN_BUDGET_BYTES, gather, type GatherProgress } from '../gather/gather.js';
import { buildReport } from '../report/build-report.js';
import { indexVectorsReference } from '../sources/faiss/exact-reference.js';
import { openSource } from '../sources/open-source.js';
import type { VectorSource } from '../sources/source.js';
import { checkOptionsSchema, OVERLAP_K, type CheckOptionsInput } from './check-options.js';

export interface CheckCallbacks {
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * Run the health check on a vector file, index file or store URL and return the report (the same
 * object `vectorclinic check --format json` prints).
 */
export async function check(target: string, options: CheckOptionsInput = {}, callbacks: CheckCallbacks = {}): Promise<Report> {
  const startedAt = performance.now();
  const parsed = checkOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid option ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`, { where: 'check options' });
  }
  const settings = parsed.data;
  const declared: DeclaredPolicy = {
    ...(settings.metric ? { metric: settings.metric } : {}),
    ...(settings.dim ? { dim: settings.dim } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    from: 'options',
  };
  const sourceOptions = { ...(settings.field ? { field: settings.field } : {}), ...(settings.metric ? { metric: settings.metric } : {}) };
  const sources: VectorSource[] = [];
  try {
    const source = await openSource(target, sourceOptions);
    sources.push(source);
    const querySource = settings.queries ? await openSource(settings.queries, sourceOptions) : undefined;
    if (querySource) sources.push(querySource);
    const ownReference = indexVectorsReference(source);
    const artifacts = await gather(source, declared, {
      sampleSize: settings.sample,
      seed: settings.seed,
      full: settings.full,
      probeQueries: settings.probeQueries,
      k: OVERLAP_K,
      scanBudgetBytes: settings.scanBudgetBytes ?? DEFAULT_SCAN_BUDGET_BYTES,
      ...(querySource ? { queries: { source: querySource } } : {}),
      ...(ownReference ? { exactReference: ownReference } : {}),
      ...(callbacks.onProgress ? { onProgress: callbacks.onProgress } : {}),
      ...(callbacks.signal ? { signal: callbacks.signal } : {}),
    });
    return buildReport(artifacts, runChecks(artifacts, CHECKS), startedAt);
  } finally {
    await Promise.all(sources.map((source) => source.close()));
  }
}
