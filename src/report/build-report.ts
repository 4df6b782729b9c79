import type { CheckRun } from '../checks/runner.js';
import { sortLabels } from '../checks/runner.js';
import { round } from '../core/format.js';
import { REPORT_SCHEMA, type Report, type ReportAudit, type ReportStats, type Verdict } from '../core/report.js';
import { collapse } from '../computed/collapse.js';
import { geometry } from '../computed/geometry.js';
import { observedPolicy } from '../computed/observed-policy.js';
import type { AnnAudit, Artifacts } from '../gather/artifacts.js';
import { reportPlots } from './report-plots.js';
import { toolVersion } from '../core/tool-version.js';

export function buildReport(artifacts: Artifacts, run: CheckRun, startedAt: number): Report {
  const { findings, outcomes, context } = run;
  const verdict: Verdict = findings.some((f) => f.severity === 'fail') ? 'fail' : findings.some((f) => f.severity === 'warn') ? 'warn' : 'pass';
  const labels = sortLabels(findings.filter((f) => f.severity !== 'info').flatMap((f) => f.labels));
  // Measured before the clock stops: the scree and overlap matrix are part of the run's cost.
  const stats = reportStats(artifacts, run);
  const plots = reportPlots(artifacts, context);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'vectorclinic', version: toolVersion() },
    target: artifacts.source.target,
    kind: artifacts.source.kind,
    generatedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - startedAt),
    policy: { declared: artifacts.declared, observed: observedPolicy(artifacts, context) },
    verdict,
    labels,
    findings,
    checks: outcomes,
    stats,
    notes: [...(artifacts.source.notes ?? []), ...(artifacts.notes ?? [])],
    plots,
  };
}

function reportStats(artifacts: Artifacts, run: CheckRun): ReportStats {
  const { rowStats, source, sample, settings } = artifacts;
  const shape = geometry(artifacts, run.context);
  const overlap = collapse(artifacts, run.context);
  const norms = rowStats.norms;
  const finite = (value: number): number | null => (Number.isFinite(value) ? round(value) : null);
  return {
    rows: source.rows,
    rowsExact: source.rowsExact,
    dim: source.dim,
    storage: source.storage.type,
    scanned: rowStats.rowsScanned,
    scanScope: rowStats.scope,
    sampled: sample.count,
    seed: settings.seed,
    norms: { min: finite(norms.min), p50: finite(norms.p50), max: finite(norms.max), mean: finite(norms.mean) },
    normHistogram: { edges: norms.histogram.edges.map((edge) => round(edge)), counts: [...norms.histogram.counts] },
    zeroRows: rowStats.zero.count,
    nonfiniteRows: rowStats.nonfinite.count,
    unitRows: norms.unitRows,
    validRows: rowStats.validRows,
    overlapAt20: overlap ? round(overlap.overlap, 4) : null,
    overlapQueries: overlap?.queries ?? 0,
    overlapMetric: overlap?.metric ?? null,
    pc1Ratio: shape ? finite(shape.pc1Ratio) : null,
    pc1RatioUncentered: shape ? finite(shape.pc1RatioUncentered) : null,
    meanCosine: shape ? finite(shape.meanCosine) : null,
    duplicateRows: rowStats.duplicates.duplicateRows,
    dimensions: dimensionContract(artifacts),
    ...(artifacts.annAudit ? { audit: reportAudit(artifacts.annAudit) } : {}),
    ...(source.index ? { index: { engine: source.index.engine, type: source.index.type, ntotal: source.index.ntotal, params: source.index.params } } : {}),
  };
}

function reportAudit(audit: AnnAudit): ReportAudit {
  return {
    recallAt10: round(audit.recall, 4),
    queries: audit.queries,
    plannedQueries: audit.plannedQueries,
    exactMethod: audit.exactMethod,
    exactBasis: audit.exactBasis,
    setting: audit.tuning ? { name: audit.tuning.name, value: audit.tuning.current, from: audit.tuning.from } : null,
    seconds: round(audit.seconds, 3),
    budgetSeconds: audit.auditBudget ?? null,
    cuts: [...audit.cuts],
  };
}

/** The dimension at every hop, so a mismatch is visible where it enters (also what --verbose prints). */
function dimensionContract(artifacts: Artifacts): Record<string, number | null> {
  const transform = artifacts.index?.transform;
  return {
    declared: artifacts.declared.dim ?? null,
    stored: artifacts.source.dim,
    sample: artifacts.sample.dim,
    queries: artifacts.queries?.dim ?? null,
    indexInput: transform?.inputDim ?? (artifacts.index ? artifacts.source.dim : null),
    indexOutput: transform?.outputDim ?? (artifacts.index ? artifacts.source.dim : null),
  };
}
