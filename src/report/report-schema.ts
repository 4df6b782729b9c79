import { z } from 'zod';
import { FINDING_CODES, LABELS, SEVERITIES, type EvidenceValue } from '../core/finding.js';
import { METRICS } from '../core/policy.js';
import { REPORT_SCHEMA, type Report } from '../core/report.js';

/**
 * The JSON report (schema 1) as a zod schema: the source of the published JSON Schema
 * (schema/report.schema.json, `npm run schema`). Objects are open (fields are only ever added to
 * schema 1, so a consumer's validator must accept a newer tool's extra fields); what is listed is
 * checked exactly (emitted in zod's input mode, where objects allow more properties). The type check at the end fails the build when Report changes and this does not.
 */
const finite = z.number();
const nullableNumber = z.number().nullable();

const evidenceValue: z.ZodType<EvidenceValue> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(evidenceValue), z.record(z.string(), evidenceValue)]));

const finding = z.object({
  code: z.enum(FINDING_CODES),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), evidenceValue),
  fix: z.string(),
  labels: z.array(z.enum(LABELS)),
  accepted: z
    .looseObject({
      by: z.enum(['suppression', 'baseline']),
      reason: z.string().min(1),
      source: z.string(),
    })
    .optional()
    .describe('set when the finding was suppressed (with a reason) or is in the --baseline report: shown, not counted in verdict, labels or exit code'),
});

const check = z.object({
  code: z.enum(FINDING_CODES),
  title: z.string(),
  status: z.enum(['pass', 'info', 'warn', 'fail', 'not-applicable', 'error']).describe("the finding's severity, 'pass', 'not-applicable' (= not run) or 'error'; kept for older readers"),
  result: z.enum(['passed', 'finding', 'not-run', 'error']).optional().describe('three states: a pass, a finding and a check that could not run are never confused'),
  detail: z.string().optional().describe('for a check that did not run: in plain words, what would let it run'),
  notChecked: z.array(z.string()).optional().describe('parts of a check that ran without them (it passed only on what it could check)'),
});

const input = z.looseObject({
  role: z.enum(['target', 'queries', 'vectors', 'manifest', 'questions', 'ids']),
  path: z.string().describe('as given; store URLs with passwords and secret parameters replaced by ***'),
  kind: z.enum(['file', 'folder', 'store']),
  bytes: z.number().nonnegative().optional(),
  files: z.number().int().nonnegative().optional(),
  modifiedAt: z.string().optional(),
  sha256: z.string().optional().describe('files up to 256 MiB'),
});

const invocation = z
  .looseObject({
    command: z.string().describe('the exact command (for a library call: the equivalent command); pasting it re-runs the check'),
    argv: z.array(z.string()).optional(),
    options: z.looseObject({}).describe('every option in effect after defaults and the store manifest'),
    inputs: z.array(input),
    tool: z.looseObject({ name: z.literal('vectorclinic'), version: z.string(), node: z.string() }),
  })
  .describe('what was run');

const declared = z.object({
  metric: z.enum(METRICS).optional(),
  dim: z.number().int().positive().optional(),
  model: z.string().optional(),
  normalized: z.boolean().optional(),
  whitened: z.boolean().optional(),
  from: z.string().optional(),
  manifest: z.string().optional(),
  codebook: z.object({ training: z.string(), codebook: z.string().optional() }).optional(),
  reference: z.object({ rows: finite, meanDirection: z.array(finite), alignment: z.object({ p01: finite, p50: finite }), medianNorm: finite }).optional(),
});

const observed = z.object({
  dim: z.number().int().nonnegative(),
  indexMetric: z.enum([...METRICS, 'other']).optional(),
  indexNormalizes: z.boolean().optional(),
  normState: z.enum(['unit', 'raw', 'mixed', 'unknown']),
  whitened: z.boolean().optional(),
  safeMetrics: z.array(z.enum(METRICS)),
});

const audit = z.object({
  recallAt10: finite,
  queries: z.number().int(),
  plannedQueries: z.number().int(),
  exactMethod: z.string(),
  seconds: finite,
  budgetSeconds: nullableNumber,
  cuts: z.array(z.string()),
});

const stats = z.object({
  rows: z.number().int().nonnegative(),
  rowsExact: z.boolean(),
  dim: z.number().int().nonnegative(),
  storage: z.string(),
  scanned: z.number().int().nonnegative(),
  scanScope: z.enum(['full', 'sample']),
  sampled: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  norms: z.object({ min: nullableNumber, p50: nullableNumber, max: nullableNumber, mean: nullableNumber }),
  normHistogram: z.object({ edges: z.array(finite), counts: z.array(finite) }),
  zeroRows: z.number().int().nonnegative(),
  nonfiniteRows: z.number().int().nonnegative(),
  unitRows: z.number().int().nonnegative(),
  validRows: z.number().int().nonnegative(),
  overlapAt20: nullableNumber,
  pc1Ratio: nullableNumber,
  pc1RatioUncentered: nullableNumber,
  meanCosine: nullableNumber,
  duplicateRows: z.number().int().nonnegative(),
  audit: audit.optional(),
});

/** The plots' data: each figure an object (their fields are documented with the HTML report, not fixed here). */
const plots = z.object({
  normHistogram: z.looseObject({}).optional(),
  pcaScree: z.looseObject({}).optional(),
  neighborOverlap: z.looseObject({}).optional(),
  kOccurrence: z.looseObject({}).optional(),
  ivfListSizes: z.looseObject({}).optional(),
  recallCurves: z.array(z.looseObject({})).optional(),
  filteredRecall: z.looseObject({}).optional(),
  unreachableRows: z.looseObject({}).optional(),
});

const comparedRun = z.object({ label: z.string(), target: z.string(), verdict: z.enum(['pass', 'warn', 'fail']), problems: z.array(z.enum(FINDING_CODES)) });

export const reportSchema = z
  .looseObject({
    schema: z.literal(REPORT_SCHEMA),
    tool: z.object({ name: z.literal('vectorclinic'), version: z.string() }),
    target: z.string().describe('the file path as given, or the store URL with any password redacted'),
    kind: z.string(),
    generatedAt: z.string(),
    durationMs: z.number().nonnegative(),
    policy: z.object({ declared, observed }),
    verdict: z.enum(['pass', 'warn', 'fail']).describe('from the findings that are not accepted (suppressed or baselined)'),
    labels: z.array(z.enum(LABELS)),
    findings: z.array(finding),
    checks: z.array(check),
    stats,
    notes: z.array(z.string()),
    plots: plots.optional(),
    invocation: invocation.optional(),
    comparison: z.object({ before: comparedRun, after: comparedRun, measures: z.array(z.object({ name: z.string(), before: nullableNumber, after: nullableNumber })) }).optional(),
  })
  .describe('vectorclinic check report, schema 1 (`vectorclinic check --format json`, the library `check()` result)');

/** The JSON Schema published in the package (schema/report.schema.json). */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reportSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'vectorclinic report (schema 1)',
  };
}

// Every Report the code can build must pass this schema: a new field, status or code in Report
// without its place here is a type error (objects are open, so additions pass without one).
type Assignable<T extends U, U> = T;
type Mutable<T> = T extends readonly (infer Item)[] ? Mutable<Item>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
export type ReportMatchesSchema = Assignable<Mutable<Report>, z.input<typeof reportSchema>>;

/** The file's exact text (the test compares the committed file with it). */
export function reportJsonSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
