import assert from 'node:assert/strict';
import type { Check } from '../../src/checks/check.js';
import { runChecks } from '../../src/checks/runner.js';
import type { Finding, Severity } from '../../src/core/finding.js';
import type { Rows } from '../../src/core/rows.js';
import type { DeclaredPolicy } from '../../src/core/policy.js';
import type { CheckOutcome } from '../../src/core/report.js';
import type { Artifacts, CheckSettings, QuerySet } from '../../src/gather/artifacts.js';
import { RowStatsAccumulator } from '../../src/gather/row-stats.js';
import { Rng } from '../../src/math/rng.js';
import type { SourceDescription } from '../../src/sources/source.js';

/** What a hand-built store is made of; everything but the rows has a plain default. */
export interface HandBuiltStore {
  readonly rows: Rows;
  readonly declared?: DeclaredPolicy;
  /** Overrides of the source description (kind, index, storage, …). */
  readonly source?: Partial<SourceDescription>;
  /** 'sample': the rows are a sample of a larger store (`source.rows`), as when a store is too big to scan. Default 'full'. */
  readonly scope?: 'full' | 'sample';
  /** Rows drawn into the sample; default every row. */
  readonly sampleRows?: readonly number[];
  readonly queries?: Rows;
  readonly settings?: Partial<CheckSettings>;
  /** Further artifacts as they are (annAudit, reference, pushdown, index …). */
  readonly artifacts?: Partial<Artifacts>;
}

/** Float32 storage rounds a unit vector's norm to within a few ulps of 1. */
const FLOAT32_NORM_TOLERANCE = 1e-4;

/**
 * Artifacts as gathering would hand them to checks, built from rows in memory: per-row facts by
 * the real accumulator (a full scan), the sample copied from the rows. No source, no files.
 */
export function artifactsOf(store: HandBuiltStore): Artifacts {
  const { rows } = store;
  const source: SourceDescription = {
    kind: 'npy',
    target: 'hand-built.npy',
    rows: rows.count,
    rowsExact: true,
    dim: rows.dim,
    storage: { type: 'float32', bytes: rows.count * rows.dim * 4, lossy: false },
    normTolerance: FLOAT32_NORM_TOLERANCE,
    local: true,
    ...store.source,
  };
  const stats = new RowStatsAccumulator(rows.dim, source.normTolerance, source.segments ?? [], rows.count);
  stats.add({ dim: rows.dim, count: rows.count, data: rows.data, start: 0 });
  const sampleRows = store.sampleRows ?? Array.from({ length: rows.count }, (_, row) => row);
  const sampleData = new Float32Array(sampleRows.length * rows.dim);
  sampleRows.forEach((row, i) => sampleData.set(rows.data.subarray(row * rows.dim, (row + 1) * rows.dim), i * rows.dim));
  return {
    source,
    declared: store.declared ?? {},
    rowStats: stats.finish(store.scope ?? 'full', source.rows),
    sample: { dim: rows.dim, count: sampleRows.length, rows: sampleRows, data: sampleData },
    settings: { seed: 1, sample: sampleRows.length, probeQueries: 200, k: 20, full: false, ...store.settings },
    ...(store.queries ? { queries: querySetOf(store.queries, source.normTolerance) } : {}),
    ...(source.index ? { index: source.index } : {}),
    ...store.artifacts,
  };
}

function querySetOf(queries: Rows, normTolerance: number): QuerySet {
  const stats = new RowStatsAccumulator(queries.dim, normTolerance);
  stats.add({ dim: queries.dim, count: queries.count, data: queries.data, start: 0 });
  return {
    target: 'queries.npy',
    totalRows: queries.count,
    dim: queries.dim,
    count: queries.count,
    rows: Array.from({ length: queries.count }, (_, row) => row),
    data: queries.data,
    stats: stats.finish('full', queries.count),
    normTolerance,
  };
}

/** One check's outcome on hand-built artifacts, and its finding when it has one. */
export interface CheckVerdict {
  readonly outcome: CheckOutcome;
  readonly finding: Finding | undefined;
}

/**
 * Runs one check on hand-built artifacts, as the runner runs it for a report, with its contract
 * enforced: reading an undeclared artifact or returning an undeclared evidence key fails the test.
 */
export class CheckTester {
  constructor(private readonly check: Check) {}

  run(artifacts: Artifacts): CheckVerdict {
    const run = runChecks(artifacts, [this.check], { enforceContracts: true });
    return { outcome: run.outcomes[0] as CheckOutcome, finding: run.findings[0] };
  }

  /** Asserts a finding of this severity and returns it. */
  finds(artifacts: Artifacts, severity: Severity): Finding {
    const { outcome, finding } = this.run(artifacts);
    assert.equal(outcome.status, severity, `${this.check.meta.code}: ${JSON.stringify(outcome)} ${finding?.message ?? ''}`);
    assert.ok(finding);
    return finding;
  }

  /** Asserts a pass (no finding, and not a not-run in disguise). */
  passes(artifacts: Artifacts): CheckOutcome {
    const { outcome, finding } = this.run(artifacts);
    assert.equal(outcome.result, 'passed', `${this.check.meta.code}: ${JSON.stringify(outcome)} ${finding?.message ?? ''}`);
    return outcome;
  }

  /** Asserts the check did not run, and returns why (in the user's words). */
  doesNotRun(artifacts: Artifacts, reason?: RegExp): string {
    const { outcome } = this.run(artifacts);
    assert.equal(outcome.result, 'not-run', `${this.check.meta.code}: ${JSON.stringify(outcome)}`);
    const detail = outcome.detail ?? '';
    if (reason) assert.match(detail, reason);
    return detail;
  }
}

/** Seeded Gaussian clusters: vectors with the structure an embedding model gives (topics), unit length by default. */
export function clusteredRows(options: { count: number; dim: number; clusters?: number; spread?: number; seed?: number; unit?: boolean }): Rows {
  const { count, dim, clusters = 12, spread = 0.6, seed = 7, unit = true } = options;
  const rng = new Rng(seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.nextGaussian());
  const data = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) {
    const centre = rng.nextInt(clusters);
    let squared = 0;
    for (let j = 0; j < dim; j++) {
      const value = (centres[centre * dim + j] as number) + spread * rng.nextGaussian();
      data[row * dim + j] = value;
      squared += value * value;
    }
    if (unit) for (let j = 0; j < dim; j++) data[row * dim + j] = (data[row * dim + j] as number) / Math.sqrt(squared);
  }
  return { data, count, dim };
}

/** A copy of `rows` with each listed row's values replaced. */
export function withRows(rows: Rows, replace: Readonly<Record<number, (row: Float32Array) => void>>): Rows {
  const data = rows.data.slice();
  for (const [row, edit] of Object.entries(replace)) edit(data.subarray(Number(row) * rows.dim, (Number(row) + 1) * rows.dim));
  return { ...rows, data };
}
