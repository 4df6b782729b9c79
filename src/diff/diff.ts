import { count, figure, percent, round } from '../core/format.js';
import { severityRank } from '../core/finding.js';
import type { Metric } from '../core/policy.js';
import type { Rows } from '../core/rows.js';
import { UsageError } from '../errors.js';
import { projectionMatrix, projectUnitRows } from '../manifest/fingerprint.js';
import { quantile } from '../math/quantile.js';
import { domainClassifier, neighbourTwoSampleTest, poolSnapshots, type DomainClassifierResult, type NeighbourTestResult } from '../math/domain-classifier.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { exactSearch } from '../math/top-k.js';
import { normalizedCopy, rowNorms } from '../math/vectors.js';
import { smoke } from '../smoke/smoke.js';
import { redactTarget } from '../engines/store-url.js';
import type { SmokeResult } from '../smoke/types.js';
import { openSnapshot, pairRows, readRowsInOrder, type Pairing, type Snapshot } from './snapshot.js';
import type { DiffFinding, DiffOptions, DiffReport, SnapshotSummary } from './types.js';

export const DEFAULT_DIFF_SAMPLE = 6000;
/** Queries whose neighbour lists are compared (each against every sampled row). */
const STABILITY_QUERIES = 300;
const STABILITY_K = 10;
/**
 * Drift: the classifier's AUC must stand this many null standard deviations above the null mean
 * (label-shuffled AUCs; p ≈ 3·10⁻⁵ under its normal approximation) and above every null draw. A
 * snapshot compared with itself then never warns, while one row in ten from another model does.
 */
const DRIFT_Z = 4;
/** Neighbour stability: more than one neighbour in ten changed on average (95% upper bound) warns; more than half fails. */
const STABILITY_WARN = 0.9;
const STABILITY_FAIL = 0.5;
/** Recall change: paired (McNemar) two-sided p below this is a change, not noise. */
const RECALL_ALPHA = 0.05;
/** Unit length within this tolerance. */
const UNIT_TOLERANCE = 1e-3;
/** Fewer paired rows than this cannot give neighbour lists worth comparing. */
const MIN_PAIRED = 50;
const MIN_DRIFT_ROWS = 100;
/**
 * The classifier sees rows through a seeded random projection to this many dimensions (all of
 * them for smaller models): enough for a linear boundary between two models' cones, cheap enough
 * for 50 label shuffles.
 */
const CLASSIFIER_DIMS = 128;

/**
 * Compare two snapshots of one store or file (before/after a re-embed, a model upgrade, a
 * rebuild): shape, norms and policy, a domain classifier for distribution drift, per-id
 * neighbour stability, and recall on known-answer questions.
 */
export async function diff(beforeTarget: string, afterTarget: string, options: DiffOptions = {}): Promise<DiffReport> {
  const started = performance.now();
  if (options.questions && !options.queryVectors) {
    throw new UsageError('--questions needs --query-vectors', { where: '--questions', hint: 'pass the query vectors (row i = question i); add --after-query-vectors when AFTER holds another model' });
  }
  const idField = options.idField ?? 'id';
  const before = await openSnapshot(beforeTarget, options.ids, idField);
  let after: Snapshot | undefined;
  try {
    after = await openSnapshot(afterTarget, options.afterIds, idField);
    const report = await compare(before, after, options, started);
    return report;
  } finally {
    await before.source.close();
    await after?.source.close();
  }
}

async function compare(before: Snapshot, after: Snapshot, options: DiffOptions, started: number): Promise<DiffReport> {
  const seed = options.seed ?? 0;
  const sampleSize = options.sample ?? DEFAULT_DIFF_SAMPLE;
  const metric: Metric = options.metric ?? before.manifest?.manifest.metric ?? after.manifest?.manifest.metric ?? 'cosine';
  const dimBefore = before.description.dim;
  const dimAfter = after.description.dim;
  const findings: DiffFinding[] = [];
  const stats: Record<string, unknown> = {};

  const pairing = pairRows(before, after);
  const paired = pairing.before.length >= MIN_PAIRED;
  const rng = new Rng(seed ^ 0xd1ff);
  let rowsBefore: Int32Array;
  let rowsAfter: Int32Array;
  if (paired) {
    const picks = sampleIndices(pairing.before.length, Math.min(sampleSize, pairing.before.length), rng);
    rowsBefore = Int32Array.from(picks, (i) => pairing.before[i] as number);
    rowsAfter = Int32Array.from(picks, (i) => pairing.after[i] as number);
  } else {
    rowsBefore = Int32Array.from(sampleIndices(before.description.rows, Math.min(sampleSize, before.description.rows), rng));
    rowsAfter = Int32Array.from(sampleIndices(after.description.rows, Math.min(sampleSize, after.description.rows), rng));
  }
  const readBefore = await readRowsInOrder(before.source, rowsBefore, dimBefore);
  const readAfter = await readRowsInOrder(after.source, rowsAfter, dimAfter);
  // Keep rows valid on both sides (paired) or on their own side.
  const keep = (valid: Uint8Array, other?: Uint8Array): number[] => Array.from(valid.keys()).filter((i) => valid[i] === 1 && (!other || other[i] === 1));
  const keptBefore = paired ? keep(readBefore.valid, readAfter.valid) : keep(readBefore.valid);
  const keptAfter = paired ? keptBefore : keep(readAfter.valid);
  const sampleBefore = subset(readBefore.data, dimBefore, keptBefore);
  const sampleAfter = subset(readAfter.data, dimAfter, keptAfter);
  const summaryBefore = summarize(before, sampleBefore, keptBefore.length);
  const summaryAfter = summarize(after, sampleAfter, keptAfter.length);

  findings.push(...shapeFindings(summaryBefore, summaryAfter, pairing, metric));
  findings.push(...policyFindings(summaryBefore, summaryAfter));

  if (dimBefore === dimAfter && keptBefore.length >= MIN_DRIFT_ROWS && keptAfter.length >= MIN_DRIFT_ROWS) {
    const dims = Math.min(CLASSIFIER_DIMS, dimBefore);
    const projection = projectionMatrix(dimBefore, seed ^ 0x6d6f64, dims);
    // Paired samples hold the same ids on both sides: give each id to one side only (even picks
    // before, odd picks after), or an unchanged row would sit in both classes and the held-out
    // folds would learn against its twin.
    const sideBefore = paired ? keptBefore.map((_, i) => i).filter((i) => i % 2 === 0) : keptBefore.map((_, i) => i);
    const sideAfter = paired ? keptAfter.map((_, i) => i).filter((i) => i % 2 === 1) : keptAfter.map((_, i) => i);
    // A square Gaussian matrix is badly conditioned: models no wider than the features are used as they are.
    const features = (data: Float32Array, rows: readonly number[]): Float32Array =>
      dimBefore <= CLASSIFIER_DIMS ? normalizedCopy(subset(data, dimBefore, rows), rows.length, dimBefore) : projectUnitRows(subset(data, dimBefore, rows), rows.length, dimBefore, projection, dims);
    const featuresBefore = features(sampleBefore, sideBefore);
    const featuresAfter = features(sampleAfter, sideAfter);
    const settings = { seed, permutations: options.permutations };
    const pool = poolSnapshots({ data: featuresBefore, count: sideBefore.length, dim: dims }, { data: featuresAfter, count: sideAfter.length, dim: dims });
    const classifiers: DriftClassifiers = { linear: domainClassifier(pool, settings), neighbours: neighbourTwoSampleTest(pool, settings) };
    stats.drift = driftStats(classifiers);
    const finding = driftFinding(classifiers);
    if (finding) findings.push(finding);
  } else {
    stats.drift = { measured: false, reason: dimBefore !== dimAfter ? 'the snapshots have different dimensions: every row changed' : 'too few valid rows' };
  }

  if (paired && keptBefore.length > STABILITY_K + 1) {
    const ids = keptBefore.map((i) => idOfRow(before, rowsBefore[i] as number));
    const stability = neighborStability({ data: sampleBefore, count: keptBefore.length, dim: dimBefore }, { data: sampleAfter, count: keptBefore.length, dim: dimAfter }, { metric, ids });
    stats.neighborStability = stability.stats;
    if (stability.finding) findings.push(stability.finding);
  } else {
    stats.neighborStability = { measured: false, reason: 'no rows hold the same id in both snapshots (pass --ids / --after-ids)' };
  }

  if (options.questions && options.queryVectors) {
    const recall = await recallChange(before.target, after.target, options, metric);
    stats.recall = recall.stats;
    findings.push(recall.finding);
  }

  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const worst = findings.reduce((level, finding) => Math.max(level, severityRank(finding.severity)), 0);
  return {
    schema: 1,
    kind: 'diff',
    verdict: worst >= severityRank('fail') ? 'fail' : worst >= severityRank('warn') ? 'warn' : 'pass',
    before: summaryBefore,
    after: summaryAfter,
    metric,
    pairing: paired ? pairing.by : 'none',
    pairedRows: paired ? keptBefore.length : 0,
    findings,
    stats,
    seconds: round((performance.now() - started) / 1000, 2),
  };
}

function subset(data: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
  return out;
}

function idOfRow(snapshot: Snapshot, row: number): string {
  return snapshot.ids?.[row] ?? String(row);
}

function summarize(snapshot: Snapshot, data: Float32Array, rows: number): SnapshotSummary {
  const norms = Float64Array.from(rowNorms(data, rows, snapshot.description.dim)).sort();
  const unit = norms.filter((norm) => Math.abs(norm - 1) <= UNIT_TOLERANCE).length;
  const manifest = snapshot.manifest?.manifest;
  return {
    target: redactTarget(snapshot.target),
    kind: snapshot.description.kind,
    rows: snapshot.description.rows,
    dim: snapshot.description.dim,
    norms: { p05: round(quantile(norms, 0.05), 4), p50: round(quantile(norms, 0.5), 4), p95: round(quantile(norms, 0.95), 4) },
    unitShare: rows ? round(unit / rows, 4) : 0,
    manifest: snapshot.manifest?.path ?? null,
    policy: manifest
      ? {
          model: manifest.model ?? null,
          metric: manifest.metric,
          normalized: manifest.normalized,
          whitened: manifest.whitening.applied,
          index: manifest.index ? `${manifest.index.engine} ${manifest.index.type}` : null,
        }
      : {},
  };
}

function shapeFindings(before: SnapshotSummary, after: SnapshotSummary, pairing: Pairing, metric: Metric): DiffFinding[] {
  const findings: DiffFinding[] = [];
  if (before.dim !== after.dim) {
    findings.push({
      code: 'dimension-change',
      severity: 'warn',
      title: 'The vectors changed dimension',
      message: `Dimension ${before.dim} → ${after.dim}: every row was re-embedded with another model (or truncated). Queries must be embedded with the new model, and every index rebuilt for it.`,
      evidence: { before: before.dim, after: after.dim },
      fix: 'Embed queries with the model AFTER was built with; rebuild indexes and the manifest (`vectorclinic rebuild --apply`).',
    });
  }
  if (before.rows !== after.rows || pairing.onlyBefore || pairing.onlyAfter) {
    const ids = pairing.by === 'id' ? ` (${count(pairing.onlyBefore)} ids only before, ${count(pairing.onlyAfter)} only after)` : '';
    const emptied = after.rows === 0 && before.rows > 0;
    findings.push({
      code: 'count-change',
      severity: emptied ? 'fail' : 'info',
      title: emptied ? 'AFTER is empty' : 'The row count changed',
      message: `${count(before.rows)} rows → ${count(after.rows)}${ids}.${emptied ? ' Every query against AFTER returns nothing.' : ''}`,
      evidence: { before: before.rows, after: after.rows, onlyBefore: pairing.onlyBefore, onlyAfter: pairing.onlyAfter, repeatedIds: pairing.repeated },
    });
  }
  const wasUnit = before.unitShare >= 0.99;
  const isUnit = after.unitShare >= 0.99;
  if (wasUnit !== isUnit) {
    const matters = metric !== 'cosine';
    findings.push({
      code: 'norm-change',
      severity: matters ? 'warn' : 'info',
      title: 'The normalization changed',
      message:
        `${percent(before.unitShare, 1)} of sampled rows were unit length before, ${percent(after.unitShare, 1)} after (median norm ${figure(before.norms.p50, 4)} → ${figure(after.norms.p50, 4)}). ` +
        (matters ? `Under ${metric} the norms now rank results: normalize both paths the same way.` : 'Harmless under cosine, which ignores norms; inner-product or L2 indexes would rank differently.'),
      evidence: { unitShareBefore: before.unitShare, unitShareAfter: after.unitShare, normsBefore: before.norms, normsAfter: after.norms },
      fix: 'One normalization policy for documents and queries, recorded in the manifest (`vectorclinic guard` / `rebuild`).',
    });
  }
  return findings;
}

function policyFindings(before: SnapshotSummary, after: SnapshotSummary): DiffFinding[] {
  const changes: string[] = [];
  const evidence: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before.policy), ...Object.keys(after.policy)])) {
    const was = before.policy[key] ?? null;
    const now = after.policy[key] ?? null;
    if (!before.manifest || !after.manifest || was === now) continue;
    changes.push(`${key} ${String(was)} → ${String(now)}`);
    evidence[key] = { before: was, after: now };
  }
  if (!changes.length) return [];
  const metricChanged = 'metric' in evidence;
  return [
    {
      code: 'policy-change',
      severity: metricChanged ? 'warn' : 'info',
      title: 'The recorded policy changed',
      message: `The manifests differ: ${changes.join(', ')}.${metricChanged ? ' A metric change re-ranks every query: queries and index must follow it.' : ''}`,
      evidence: { ...evidence, manifestBefore: before.manifest, manifestAfter: after.manifest },
    },
  ];
}

/** Two permutation tests: a linear domain classifier (the whole cloud moved) and nearest neighbours (a minority went elsewhere). */
interface DriftClassifiers {
  readonly linear: DomainClassifierResult;
  readonly neighbours: NeighbourTestResult;
}

interface Judged {
  readonly value: number;
  readonly mean: number;
  readonly sd: number;
  readonly max: number;
  readonly z: number;
  readonly drifted: boolean;
}

function judge(value: number, nulls: readonly number[]): Judged {
  const { mean, sd, max } = nullSummary(nulls);
  const z = sd > 0 ? (value - mean) / sd : 0;
  return { value, mean, sd, max, z, drifted: z >= DRIFT_Z && value > max };
}

function driftStats(classifiers: DriftClassifiers): Record<string, unknown> {
  const shown = (entry: Judged) => ({ nullMean: round(entry.mean, 4), nullSd: round(entry.sd, 4), nullMax: round(entry.max, 4), z: round(entry.z, 2) });
  const linear = judge(classifiers.linear.auc, classifiers.linear.nullAucs);
  const neighbours = judge(classifiers.neighbours.sameShare, classifiers.neighbours.nullShares);
  return {
    measured: true,
    linear: { auc: round(classifiers.linear.auc, 4), ...shown(linear), pValue: round(classifiers.linear.pValue, 4), folds: classifiers.linear.folds },
    neighbours: { sameSnapshotShare: round(classifiers.neighbours.sameShare, 4), ...shown(neighbours), pValue: round(classifiers.neighbours.pValue, 4), k: classifiers.neighbours.k },
    permutations: classifiers.linear.nullAucs.length,
    rows: classifiers.linear.rows,
  };
}

function nullSummary(values: readonly number[]): { mean: number; sd: number; max: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd, max: Math.max(...values) };
}

function driftFinding(classifiers: DriftClassifiers): DiffFinding | undefined {
  const linear = judge(classifiers.linear.auc, classifiers.linear.nullAucs);
  const neighbours = judge(classifiers.neighbours.sameShare, classifiers.neighbours.nullShares);
  if (!linear.drifted && !neighbours.drifted) return undefined;
  const shuffles = classifiers.linear.nullAucs.length;
  const parts: string[] = [];
  if (linear.drifted) {
    parts.push(
      `A linear classifier tells AFTER's rows from BEFORE's with AUC ${figure(linear.value, 3)} on held-out folds, against ${figure(linear.mean, 3)} ± ${figure(linear.sd, 2)} with shuffled labels (max ${figure(linear.max, 3)} over ${shuffles}; ${figure(linear.z, 3)} standard deviations).`,
    );
  }
  if (neighbours.drifted) {
    parts.push(
      `${percent(neighbours.value, 1)} of each row's ${classifiers.neighbours.k} nearest rows come from its own snapshot, against ${percent(neighbours.mean, 1)} ± ${percent(neighbours.sd, 2)} with shuffled labels (${figure(neighbours.z, 3)} standard deviations): ` +
        'some rows sit where the other snapshot has none.',
    );
  }
  const wholesale = classifiers.linear.auc >= 0.95;
  return {
    code: 'distribution-drift',
    severity: 'warn',
    title: 'The vectors drifted between the snapshots',
    message: `${parts.join(' ')} ${wholesale ? 'Nearly every row is told apart: another model, preprocessing or corpus.' : 'Part of the rows changed (a partial re-embed, new documents, or a preprocessing change).'}`,
    evidence: driftStats(classifiers),
    fix: 'If the change is intended (a re-embed), re-embed every row and the queries with the same model and rebuild; if not, find the writer that changed the vectors.',
  };
}

/** How many of each paired id's neighbours stay the same: `before` and `after` hold the same ids in the same order. */
function neighborStability(beforeRows: Rows, afterRows: Rows, options: { readonly metric: Metric; readonly ids: readonly string[] }): { stats: Record<string, unknown>; finding?: DiffFinding } {
  const { data: before, dim: dimBefore, count: rows } = beforeRows;
  const { data: after, dim: dimAfter } = afterRows;
  const { metric, ids } = options;
  const queries = Math.min(STABILITY_QUERIES, rows);
  const k = Math.min(STABILITY_K, rows - 1);
  const self = (q: number, row: number): boolean => q === row;
  const listsBefore = exactSearch({ data: before.subarray(0, queries * dimBefore), count: queries, dim: dimBefore }, { data: before, count: rows, dim: dimBefore }, { metric, k, exclude: self });
  const listsAfter = exactSearch({ data: after.subarray(0, queries * dimAfter), count: queries, dim: dimAfter }, { data: after, count: rows, dim: dimAfter }, { metric, k, exclude: self });
  const overlaps = new Float64Array(queries);
  for (let q = 0; q < queries; q++) {
    const mine = new Set(listsBefore.ids.subarray(q * listsBefore.k, (q + 1) * listsBefore.k));
    let shared = 0;
    for (const row of listsAfter.ids.subarray(q * listsAfter.k, (q + 1) * listsAfter.k)) if (mine.has(row)) shared++;
    overlaps[q] = shared / k;
  }
  const mean = overlaps.reduce((sum, value) => sum + value, 0) / queries;
  const sd = Math.sqrt(overlaps.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, queries - 1));
  const half = (1.959963984540054 * sd) / Math.sqrt(queries);
  const interval: [number, number] = [Math.max(0, mean - half), Math.min(1, mean + half)];
  const unchanged = overlaps.filter((value) => value === 1).length / queries;
  const worst = Array.from(overlaps.keys())
    .sort((a, b) => (overlaps[a] as number) - (overlaps[b] as number))
    .slice(0, 10)
    .filter((q) => (overlaps[q] as number) < 1)
    .map((q) => ({ id: ids[q] as string, overlap: round(overlaps[q] as number, 2) }));
  const stats = { measured: true, overlapAt10: round(mean, 4), interval95: interval.map((value) => round(value, 4)), queries, neighboursAmong: rows, unchangedShare: round(unchanged, 4), lowest: worst };
  if (!(interval[1] < STABILITY_WARN)) return { stats };
  return {
    stats,
    finding: {
      code: 'neighbor-stability',
      severity: interval[1] < STABILITY_FAIL ? 'fail' : 'warn',
      title: 'The same ids have other neighbours',
      message:
        `For ${count(queries)} ids present in both snapshots, the top-${k} neighbours (among ${count(rows)} paired rows, ${metric}) share ${percent(mean, 1)} on average ` +
        `(95% interval ${percent(interval[0], 1)}–${percent(interval[1], 1)}); ${percent(unchanged, 1)} of the lists are unchanged. ` +
        `Lowest: ${worst
          .slice(0, 5)
          .map((entry) => `${entry.id} (${percent(entry.overlap, 0)})`)
          .join(', ')}. ` +
        (interval[1] < STABILITY_FAIL ? 'Most neighbourhoods changed: results differ for most queries.' : 'Part of the neighbourhoods changed: the rows listed (and their neighbours) were re-embedded or moved.'),
      evidence: stats,
      fix: 'If only part of the store was re-embedded, re-embed the rest with the same model (a store must hold one model); then rebuild and re-run known-answer questions.',
    },
  };
}

async function recallChange(before: string, after: string, options: DiffOptions, metric: Metric): Promise<{ stats: Record<string, unknown>; finding: DiffFinding }> {
  const base = { questions: options.questions as string, all: true, metric, idField: options.idField ?? 'id' };
  const first = await smoke(before, { ...base, embedding: { kind: 'file', path: options.queryVectors as string }, ids: options.ids });
  const second = await smoke(after, { ...base, embedding: { kind: 'file', path: options.afterQueryVectors ?? (options.queryVectors as string) }, ids: options.afterIds });
  const { lost, gained, pValue } = mcnemar(first, second);
  const delta = second.recall.at10 - first.recall.at10;
  const stats = {
    questions: first.questions,
    recallAt10: { before: round(first.recall.at10, 4), after: round(second.recall.at10, 4) },
    mrr: { before: round(first.mrr, 4), after: round(second.mrr, 4) },
    lost,
    gained,
    pValue: round(pValue, 5),
    methods: { before: first.method, after: second.method },
  };
  const significant = pValue < RECALL_ALPHA;
  const severity = significant && delta < 0 ? 'fail' : 'info';
  return {
    stats,
    finding: {
      code: 'recall-change',
      severity,
      title: significant ? (delta < 0 ? 'Recall dropped' : 'Recall improved') : 'Recall unchanged within noise',
      message:
        `Recall@10 over ${count(first.questions)} known-answer questions: ${figure(first.recall.at10, 4)} → ${figure(second.recall.at10, 4)} ` +
        `(${lost} questions lost their answer, ${gained} gained one; paired McNemar p = ${figure(pValue, 2)}).` +
        (significant ? '' : ' The difference is within what chance gives on these questions.'),
      evidence: stats,
      ...(severity === 'fail' ? { fix: 'Compare the per-question hits (`vectorclinic smoke --compare`), then re-embed or rebuild AFTER until recall is back.' } : {}),
    },
  };
}

/** Paired test on per-question hits@10: exact two-sided binomial on the discordant questions. */
function mcnemar(before: SmokeResult, after: SmokeResult): { lost: number; gained: number; pValue: number } {
  let lost = 0;
  let gained = 0;
  before.perQuestion.forEach((outcome, i) => {
    const hitBefore = outcome.rank !== null;
    const hitAfter = after.perQuestion[i]?.rank !== null && after.perQuestion[i] !== undefined;
    if (hitBefore && !hitAfter) lost++;
    if (!hitBefore && hitAfter) gained++;
  });
  const n = lost + gained;
  if (n === 0) return { lost, gained, pValue: 1 };
  const smaller = Math.min(lost, gained);
  // P(X ≤ smaller) for X ~ Binomial(n, 1/2), in log space for large n.
  let logTerm = -n * Math.LN2;
  let tail = Math.exp(logTerm);
  for (let x = 1; x <= smaller; x++) {
    logTerm += Math.log((n - x + 1) / x);
    tail += Math.exp(logTerm);
  }
  return { lost, gained, pValue: Math.min(1, 2 * tail) };
}
