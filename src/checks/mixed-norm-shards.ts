import { count, figure, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { decodedNormsUnreliable } from '../computed/codebook-fit.js';
import { normRegimes } from '../computed/norm-regimes.js';
import type { RegimeRuns } from '../gather/row-stats.js';
import { distinctScales, scaleRegimes } from '../computed/scale-regimes.js';
import { effectiveMetric } from '../computed/search-metric.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { CheckContext } from '../computed/check-context.js';
import { defineCheck, type CheckResult } from './check.js';
import { locatePart } from './part-location.js';

/** A minority regime this large changes many result lists; below it, a warning. */
const MIXED_FAIL_SHARE = 0.01;
/** A run counts as a contiguous shard when it holds at least this share of rows (and 50 rows). */
const SHARD_MIN_SHARE = 0.01;
const SHARD_MIN_ROWS = 50;
/** Share of the minority's rows that must sit in long runs for the regimes to count as shards. */
const SHARD_COVERAGE = 0.8;
/** Decoded PQ/SQ vectors scatter around unit length; only a clearly separate population counts. */
const LOSSY_MIN_SHARE = 0.05;

export default defineCheck({
  meta: {
    code: 'mixed-norm-shards',
    title: 'One normalization regime across the store',
    failureTitle: 'Normalized and unnormalized vectors are mixed in one store',
    description:
      'Part of the store is L2-normalized and part is not: a second writer, a backfill, or a migration skipped ' +
      'the normalization step. Under inner product or L2 the two populations are not comparable, so one of them ' +
      'wins or loses every query regardless of meaning, and the damage grows as the shares even out.',
    decides:
      'Rows within the storage tolerance of norm 1 are "unit"; they form a deliberate population when they far ' +
      'outnumber what the raw norm density near 1 predicts. Both populations present (minority at least 0.1% and 3 rows) ' +
      `is mixed: a fail from a ${percent(MIXED_FAIL_SHARE, 0)} minority, a warning below. Runs of consecutive rows in one regime locate where each regime starts.`,
    evidence: {
      unitRows: 'rows of unit length',
      rawRows: 'rows not of unit length',
      minorityShare: 'share of the smaller population',
      regimeStarts: 'row where each contiguous regime starts (with its length)',
      interleaved: 'true when the regimes alternate row by row instead of forming shards',
      regimeSwitches: 'how many times consecutive rows switch between the unit and the raw regime',
      segments: 'per shard / source file: rows, unit share, mean norm',
      scope: "'full' (every row measured) or 'sample' (sampled rows: boundaries are between sampled rows)",
      scales: "raw rows at two scales: median norm of each group, their ratio and separation (Ashman's D), where the smaller group sits",
      metric: "two scales: the metric searches rank by (the index's, else the declared one): harmless under cosine, harmful under inner product and L2",
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['rowStats', 'source', 'sample', 'settings', 'declared'],
    optionalArtifacts: ['index'],
    fix: 'Normalize the unnormalized rows (or re-embed them with the pipeline that normalizes) and rebuild the index; route every writer through one ingestion path with `vectorclinic guard --metric cosine`, which normalizes and records the policy.',
  },
  run(artifacts, context) {
    const { rowStats, source } = artifacts;
    const regimes = normRegimes(rowStats);
    if (regimes.state === 'raw') return scaleShards(artifacts, context);
    if (regimes.state !== 'mixed') return null;
    // Decoded through a codebook that does not fit, norms show the codebook, not the stored vectors.
    if (decodedNormsUnreliable(artifacts, context)) return null;
    const minority = Math.min(regimes.unitRows, regimes.rawRows);
    const minorityShare = minority / regimes.validRows;
    if (source.storage.lossy && minorityShare < LOSSY_MIN_SHARE) return null;
    const shards = contiguousRegimes(rowStats.regimes, regimes.validRows);
    const minorityRegime = regimes.unitRows <= regimes.rawRows ? 'unit' : 'raw';
    const interleaved = !formsShards(rowStats.regimes, minorityRegime, minority);
    const where = interleaved
      ? ` The regimes alternate (${count(rowStats.regimes.switches)} switches): rows from two writers are interleaved.`
      : ` Regimes by row: ${shards.map((s) => `${s.regime} from row ${count(s.start)} (${count(s.rows)} rows)`).join(', ')}.`;
    const segments = (rowStats.segments ?? []).map((s) => ({
      name: s.name,
      start: s.start,
      rows: s.rows,
      unitShare: round(s.validRows ? s.unitRows / s.validRows : 0, 4),
      normMean: round(s.normMean, 4),
    }));
    return {
      severity: minorityShare >= MIXED_FAIL_SHARE ? 'fail' : 'warn',
      message:
        `${count(regimes.unitRows)} rows (${percent(regimes.unitShare, 1)}) are unit length and ${count(regimes.rawRows)} are not (median norm ${figure(rowStats.norms.p50)}).` +
        where +
        (rowStats.scope === 'sample' ? ' (Measured on sampled rows: boundaries are between sampled rows.)' : ''),
      evidence: {
        unitRows: regimes.unitRows,
        rawRows: regimes.rawRows,
        minorityShare: round(minorityShare, 4),
        regimeStarts: shards.map((s) => ({ regime: s.regime, start: s.start, rows: s.rows })),
        interleaved,
        regimeSwitches: rowStats.regimes.switches,
        segments,
        scope: rowStats.scope,
      } as Evidence,
    };
  },
});

/** The minority regime forms shards when most of its rows sit in long runs, not scattered rows. */
function formsShards(regimes: RegimeRuns, regime: string, rows: number): boolean {
  const inLongRuns = regimes.runs.filter((run) => run.regime === regime && run.rows >= SHARD_MIN_ROWS).reduce((sum, run) => sum + run.rows, 0);
  return !regimes.truncated && inLongRuns >= SHARD_COVERAGE * rows;
}

/** Runs long enough to be shards, after absorbing short runs (stray rows) into their neighbours. */
function contiguousRegimes(regimes: RegimeRuns, validRows: number): { regime: string; start: number; rows: number }[] {
  const minimum = Math.max(SHARD_MIN_ROWS, SHARD_MIN_SHARE * validRows);
  const merged: { regime: string; start: number; rows: number }[] = [];
  for (const run of regimes.runs) {
    const last = merged[merged.length - 1];
    if (last && (last.regime === run.regime || run.rows < minimum)) {
      last.rows += run.rows;
      continue;
    }
    merged.push({ regime: run.regime, start: run.start, rows: run.rows });
  }
  return merged.filter((run) => run.rows >= minimum);
}

/** Raw rows written at two scales: harmful when the search ranks by length (inner product, L2). */
function scaleShards(artifacts: Artifacts, context: CheckContext): CheckResult | null {
  const scales = scaleRegimes(artifacts, context);
  if (!distinctScales(scales)) return null;
  const metric = effectiveMetric(artifacts);
  const inMinority = new Set(scales.minorityRows);
  const majority = artifacts.sample.rows.filter((row) => !inMinority.has(row));
  const location = locatePart(scales.minorityRows, majority, artifacts.rowStats.segments ?? []);
  const ratio = scales.highMedian / scales.lowMedian;
  const which = scales.minorityIsLonger ? 'longer' : 'shorter';
  const harmful = metric !== 'cosine';
  const evidence = {
    scales: {
      lowMedianNorm: round(scales.lowMedian, 4),
      highMedianNorm: round(scales.highMedian, 4),
      ratio: round(ratio, 3),
      separation: round(scales.separation, 2),
      minorityShare: round(scales.minorityShare, 4),
      minority: which,
      sampledRows: scales.rows,
      blocks: location.minority.blocks,
      segments: location.minority.segments,
      interleaved: location.interleaved,
    },
    metric,
    scope: 'sample',
  } as Evidence;
  const message =
    `The raw rows come at two scales: ${percent(scales.minorityShare, 1)} of the sampled rows (${location.minority.text}) have a median norm of ` +
    `${figure(scales.minorityIsLonger ? scales.highMedian : scales.lowMedian)} against ${figure(scales.minorityIsLonger ? scales.lowMedian : scales.highMedian)} for the rest ` +
    `(${figure(ratio, 3)}×, separation ${figure(scales.separation, 3)}).`;
  if (!harmful) {
    return {
      severity: 'info',
      title: 'Raw rows at two scales (harmless under cosine)',
      message: `${message} Cosine divides the scale out, so rankings are unaffected; under inner product the longer rows would win every query, under L2 the shorter ones.`,
      evidence,
      fix: 'Nothing to do while every search uses cosine. Normalize at ingestion (`vectorclinic guard --metric cosine`) so an inner-product or L2 index over these rows stays safe.',
    };
  }
  return {
    severity: scales.minorityShare >= MIXED_FAIL_SHARE ? 'fail' : 'warn',
    title: 'Raw rows at two scales in one store',
    message: `${message} ${metric === 'ip' ? 'Under inner product the longer rows win' : 'Under L2 the shorter rows sit nearer every query and win'} queries by their length, not their meaning.`,
    evidence,
    fix: 'Find the writer that scales its vectors and rewrite its rows at the common scale (or L2-normalize every row and search by cosine), then rebuild the index.',
  };
}
