import { CHECKS } from '../checks/registry.js';
import { contractsEnforcedByEnvironment } from '../checks/contract.js';
import { runChecks } from '../checks/runner.js';
import { createContext } from '../computed/check-context.js';
import { SampleHelper } from '../computed/sample-helper.js';
import type { DeclaredPolicy } from '../core/policy.js';
import type { Report, ReportInvocation } from '../core/report.js';
import { UsageError } from '../errors.js';
import { storedVectorsAnswer } from '../gather/exact-reference.js';
import { DEFAULT_SCAN_BUDGET_BYTES, gather, type GatherProgress } from '../gather/gather.js';
import type { SamplePlan } from '../gather/sample-plan.js';
import { mergeDeclared, readManifest } from '../manifest/manifest.js';
import { acceptFindings, readBaseline, type SuppressionRule } from '../report/accepted-findings.js';
import { buildReport } from '../report/build-report.js';
import { commandLine, describeInvocation, flagWords } from '../report/invocation.js';
import { openSource } from '../sources/open-source.js';
import { parseFilter } from '../sources/filters.js';
import type { VectorSource } from '../sources/source.js';
import { checkOptionsSchema, OVERLAP_K, type CheckOptions, type CheckOptionsInput } from './check-options.js';

export interface CheckCallbacks {
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Resolves true once a read-ahead (the CLI's) has read the whole target file into the page cache:
   * from then on a helper thread can read the sampled rows while the scan is still running.
   */
  readonly readAhead?: Promise<boolean>;
}

/**
 * Run the health check on a vector file, index file or store URL and return the report (the same
 * object `vectorclinic check --format json` prints). A store manifest beside a file
 * (`<file>.vectorclinic.json`) is the declared policy wherever the options leave a field open.
 * Findings suppressed (options, manifest) or already in a baseline report stay in the report,
 * marked `accepted`; the verdict and labels count only the others.
 */
export async function check(target: string, options: CheckOptionsInput = {}, callbacks: CheckCallbacks = {}): Promise<Report> {
  const settings = parseOptions(options);
  const flags: DeclaredPolicy = {
    ...(settings.metric ? { metric: settings.metric } : {}),
    ...(settings.dim ? { dim: settings.dim } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    from: 'options',
  };
  // Read first: a wrong baseline path is exit 2 before a minute of checking.
  const baselines = settings.baseline.map(readBaseline);
  const fileManifest = readManifest(target);
  const metric = flags.metric ?? fileManifest?.manifest.metric;
  const sourceOptions = { ...(settings.field ? { field: settings.field } : {}), ...(metric ? { metric } : {}) };
  const source = await openSource(target, { ...sourceOptions, engine: settings.engine });
  try {
    // A live store keeps its manifest inside (a column comment, field metadata), read once it is open.
    const manifest = fileManifest ?? (await source.storedManifest?.());
    const declared = mergeDeclared(flags, manifest);
    const notes = manifestNotes(flags, manifest);
    const report = await checkParsed(source, settings, declared, callbacks);
    const invocation = checkInvocation(target, settings, declared, fileManifest?.path);
    const rules: SuppressionRule[] = [...settings.suppress, ...(manifest?.manifest.suppress ?? []).map((rule) => ({ ...rule, source: manifest?.path ?? 'store manifest' }))];
    return acceptFindings({ ...report, ...(notes.length ? { notes: [...report.notes, ...notes] } : {}), invocation }, rules, baselines);
  } finally {
    await source.close();
  }
}

/**
 * The check over an already opened source, against an explicit policy (the rebuild's before/after
 * uses it on the vectors it just wrote). The caller closes the source.
 */
export async function checkSource(source: VectorSource, options: CheckOptionsInput, declared: DeclaredPolicy, callbacks: CheckCallbacks = {}): Promise<Report> {
  return checkParsed(source, parseOptions(options), declared, callbacks);
}

/** The check with options parsed once, by whoever took them in (`check`, `checkSource`). */
async function checkParsed(source: VectorSource, settings: CheckOptions, declared: DeclaredPolicy, callbacks: CheckCallbacks): Promise<Report> {
  const startedAt = performance.now();
  const sourceOptions = { ...(settings.field ? { field: settings.field } : {}), ...(declared.metric ? { metric: declared.metric } : {}) };
  const others: VectorSource[] = [];
  let helper: SampleHelper | undefined;
  try {
    const querySource = settings.queries ? await openSource(settings.queries, sourceOptions) : undefined;
    if (querySource) others.push(querySource);
    // The reference is plain embeddings: read it without the index's metric hint.
    const referenceSource = settings.vectors ? await openSource(settings.vectors, settings.field ? { field: settings.field } : {}) : undefined;
    if (referenceSource) others.push(referenceSource);
    // Started before the scan, so its start-up overlaps it; it takes part of the checks' work after.
    helper = contractsEnforcedByEnvironment() ? undefined : SampleHelper.start({ sample: settings.sample });
    const artifacts = await gather(source, declared, {
      sample: settings.sample,
      seed: settings.seed,
      full: settings.full,
      probeQueries: settings.probeQueries,
      k: OVERLAP_K,
      scanBudgetBytes: settings.scanBudgetBytes ?? DEFAULT_SCAN_BUDGET_BYTES,
      auditBudget: settings.auditBudget,
      search: settings.search,
      filters: settings.filter.map(parseFilter),
      queries: querySource ? { source: querySource } : undefined,
      reference: referenceSource ? { source: referenceSource } : undefined,
      // Without --vectors, index files that cannot search exactly are audited against their own stored vectors.
      exactReference: (description, audit) => storedVectorsAnswer(source, description, audit),
      onProgress: callbacks.onProgress,
      signal: callbacks.signal,
      ...(helper ? { onSamplePlanned: (plan: SamplePlan) => helper?.planned(plan, callbacks.readAhead) } : {}),
    });
    // The checks run synchronously (neighbour searches on a --full sample take a while): name the phase before they start.
    callbacks.onProgress?.({ phase: 'checks', done: 0, total: CHECKS.length });
    const context = createContext();
    await helper?.precompute(artifacts, context);
    const run = runChecks(artifacts, CHECKS, { context });
    callbacks.onProgress?.({ phase: 'checks', done: CHECKS.length, total: CHECKS.length });
    return buildReport(artifacts, run, startedAt);
  } finally {
    helper?.close();
    await Promise.all(others.map((other) => other.close()));
  }
}

/** Options with a CLI flag of the same name: what the equivalent command line carries. */
const FLAG_OPTIONS = ['metric', 'dim', 'model', 'sample', 'seed', 'full', 'auditBudget', 'queries', 'vectors', 'field', 'engine', 'search', 'filter', 'baseline'] as const;

/** The library call as the command that re-runs it, with every option in effect (after defaults and the manifest). */
function checkInvocation(target: string, settings: CheckOptions, declared: DeclaredPolicy, manifestPath: string | undefined): ReportInvocation {
  const defaults = checkOptionsSchema.parse({});
  const given = Object.fromEntries(FLAG_OPTIONS.map((name) => [name, settings[name]]));
  return describeInvocation(
    commandLine(['check', target, ...flagWords(given, defaults)]),
    undefined,
    { ...settings, metric: declared.metric, dim: declared.dim, model: declared.model, normalized: declared.normalized, policyFrom: declared.from },
    [
      ['target', target],
      ['queries', settings.queries],
      ['vectors', settings.vectors],
      ['manifest', manifestPath],
    ],
  );
}

function parseOptions(options: CheckOptionsInput): CheckOptions {
  const parsed = checkOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid option ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`, { where: 'check options' });
  }
  return parsed.data;
}

function manifestNotes(flags: DeclaredPolicy, manifest: ReturnType<typeof readManifest>): string[] {
  if (!manifest) return [];
  const changed = manifest.status === 'changed' ? [`store manifest ${manifest.path}: ${manifest.problems.join('; ')}; its policy still applies`] : [];
  const overridden = (['metric', 'dim', 'model'] as const).filter((key) => flags[key] !== undefined && flags[key] !== manifest.manifest[key]);
  return [...changed, ...overridden.map((key) => `--${key} ${flags[key]} overrides the store manifest's ${key} ${manifest.manifest[key] ?? '(none)'}`)];
}
