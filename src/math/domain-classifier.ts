import type { Rows } from '../core/rows.js';
import { Rng, shuffle } from './rng.js';
import { exactSearch } from './top-k.js';

/**
 * Domain classifier for distribution drift: can a linear model tell rows of snapshot A from rows
 * of snapshot B? Linear discriminant (ridge-regularized full covariance) on low-dimensional
 * features, scored on held-out folds (AUC of out-of-fold scores), and the same procedure on
 * label-shuffled data as the null: with no drift, the real AUC is one more draw from that null.
 *
 * The total scatter of a fold's training rows does not depend on the labels, so each permutation
 * only needs the class means (a rank-two correction) and one small solve: the null costs about
 * as much as the real fit.
 */
export interface DomainClassifierResult {
  /** Out-of-fold AUC (0.5: indistinguishable; 1: every row told apart). */
  readonly auc: number;
  /** AUCs of the same procedure on label-shuffled data. */
  readonly nullAucs: readonly number[];
  /** Share of null AUCs at or above the real one, with the +1 correction: (1 + #≥) / (1 + permutations). */
  readonly pValue: number;
  readonly folds: number;
  readonly rows: { readonly a: number; readonly b: number };
}

/** Ridge on the pooled within-class covariance, as a share of its mean variance. */
const RIDGE = 1e-3;

/** The rows of both snapshots in one matrix (A's first), labelled 0 (A) and 1 (B): both tests read the same pool. */
export interface PooledSnapshots {
  readonly rows: Rows;
  readonly labels: Uint8Array;
  readonly countA: number;
  readonly countB: number;
}

/** Pool the feature rows of snapshots A and B (same dim) once for both tests. */
export function poolSnapshots(a: Rows, b: Rows): PooledSnapshots {
  const { dim } = a;
  const n = a.count + b.count;
  const data = new Float32Array(n * dim);
  data.set(a.data.subarray(0, a.count * dim));
  data.set(b.data.subarray(0, b.count * dim), a.count * dim);
  const labels = new Uint8Array(n);
  labels.fill(1, a.count);
  return { rows: { data, count: n, dim }, labels, countA: a.count, countB: b.count };
}

/** A Fisher–Yates shuffle of the labels in place: one draw of the null. */
function shuffleLabels(labels: Uint8Array, rng: Rng): void {
  for (let i = labels.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = labels[i] as number;
    labels[i] = labels[j] as number;
    labels[j] = t;
  }
}

export function domainClassifier(pool: PooledSnapshots, options: { readonly folds?: number; readonly permutations?: number; readonly seed?: number } = {}): DomainClassifierResult {
  const folds = options.folds ?? 5;
  const permutations = options.permutations ?? 50;
  const rng = new Rng((options.seed ?? 0) ^ 0xd1f);
  const { rows, labels } = pool;
  const n = rows.count;
  const fold = new Int32Array(n);
  shuffle(
    Array.from({ length: n }, (_, i) => i),
    rng,
  ).forEach((row, i) => (fold[row] = i % folds));
  const split: Folds = { fold, scatters: Array.from({ length: folds }, (_, f) => trainingScatter(rows, fold, f)) };
  const auc = crossValidatedAuc(rows, labels, split);
  const nullAucs: number[] = [];
  const shuffled = Uint8Array.from(labels);
  for (let p = 0; p < permutations; p++) {
    shuffleLabels(shuffled, rng);
    nullAucs.push(crossValidatedAuc(rows, shuffled, split));
  }
  const atLeast = nullAucs.filter((value) => value >= auc).length;
  return { auc, nullAucs, pValue: (1 + atLeast) / (1 + permutations), folds, rows: { a: pool.countA, b: pool.countB } };
}

/** Each row's fold, and each fold's training scatter (which does not depend on the labels). */
interface Folds {
  readonly fold: Int32Array;
  readonly scatters: readonly Scatter[];
}

interface Scatter {
  readonly count: number;
  readonly mean: Float64Array;
  /** Σ (x − mean)(x − mean)ᵀ over the fold's training rows (dim × dim). */
  readonly matrix: Float64Array;
}

function trainingScatter(rows: Rows, fold: Int32Array, held: number): Scatter {
  const { data: x, count: n, dim } = rows;
  const mean = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (fold[i] === held) continue;
    count++;
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (x[i * dim + j] as number);
  }
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / Math.max(1, count);
  const matrix = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    if (fold[i] === held) continue;
    for (let j = 0; j < dim; j++) centred[j] = (x[i * dim + j] as number) - (mean[j] as number);
    for (let r = 0; r < dim; r++) {
      const cr = centred[r] as number;
      if (cr === 0) continue;
      for (let c = r; c < dim; c++) matrix[r * dim + c] = (matrix[r * dim + c] as number) + cr * (centred[c] as number);
    }
  }
  for (let r = 0; r < dim; r++) for (let c = 0; c < r; c++) matrix[r * dim + c] = matrix[c * dim + r] as number;
  return { count, mean, matrix };
}

function crossValidatedAuc(rows: Rows, labels: Uint8Array, split: Folds): number {
  const { data: x, count: n, dim } = rows;
  const { fold, scatters } = split;
  const scores = new Float64Array(n);
  for (let f = 0; f < scatters.length; f++) {
    const w = discriminant(rows, labels, split, f);
    for (let i = 0; i < n; i++) {
      if (fold[i] !== f) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += (w[j] as number) * (x[i * dim + j] as number);
      scores[i] = s;
    }
  }
  return aucOf(scores, labels);
}

/** w = (S_within + ridge)⁻¹ (m1 − m0), with S_within = S_total − Σ_c n_c (m_c − m)(m_c − m)ᵀ. */
function discriminant(rows: Rows, labels: Uint8Array, split: Folds, held: number): Float64Array {
  const { data: x, count: n, dim } = rows;
  const fold = split.fold;
  const scatter = split.scatters[held] as Scatter;
  const sums = [new Float64Array(dim), new Float64Array(dim)];
  const counts = [0, 0];
  for (let i = 0; i < n; i++) {
    if (fold[i] === held) continue;
    const label = labels[i] as number;
    counts[label] = (counts[label] as number) + 1;
    const sum = sums[label] as Float64Array;
    for (let j = 0; j < dim; j++) sum[j] = (sum[j] as number) + (x[i * dim + j] as number);
  }
  const means = sums.map((sum, c) => sum.map((value) => value / Math.max(1, counts[c] as number)));
  const within = Float64Array.from(scatter.matrix);
  for (let c = 0; c < 2; c++) {
    const d = (means[c] as Float64Array).map((value, j) => value - (scatter.mean[j] as number));
    const nc = counts[c] as number;
    for (let r = 0; r < dim; r++) for (let k = 0; k < dim; k++) within[r * dim + k] = (within[r * dim + k] as number) - nc * (d[r] as number) * (d[k] as number);
  }
  let trace = 0;
  for (let r = 0; r < dim; r++) trace += within[r * dim + r] as number;
  const ridge = (RIDGE * trace) / dim + 1e-12;
  for (let r = 0; r < dim; r++) within[r * dim + r] = (within[r * dim + r] as number) + ridge;
  const difference = (means[1] as Float64Array).map((value, j) => value - ((means[0] as Float64Array)[j] as number));
  return choleskySolve(within, dim, difference);
}

/** Solve A w = b for symmetric positive definite A (overwritten). */
function choleskySolve(matrix: Float64Array, dim: number, rhs: Float64Array): Float64Array {
  for (let j = 0; j < dim; j++) {
    let diagonal = matrix[j * dim + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (matrix[j * dim + k] as number) ** 2;
    const root = Math.sqrt(Math.max(diagonal, 1e-300));
    matrix[j * dim + j] = root;
    for (let i = j + 1; i < dim; i++) {
      let value = matrix[i * dim + j] as number;
      for (let k = 0; k < j; k++) value -= (matrix[i * dim + k] as number) * (matrix[j * dim + k] as number);
      matrix[i * dim + j] = value / root;
    }
  }
  const y = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    let value = rhs[i] as number;
    for (let k = 0; k < i; k++) value -= (matrix[i * dim + k] as number) * (y[k] as number);
    y[i] = value / (matrix[i * dim + i] as number);
  }
  const w = new Float64Array(dim);
  for (let i = dim - 1; i >= 0; i--) {
    let value = y[i] as number;
    for (let k = i + 1; k < dim; k++) value -= (matrix[k * dim + i] as number) * (w[k] as number);
    w[i] = value / (matrix[i * dim + i] as number);
  }
  return w;
}

/** Mann–Whitney AUC: P(score of a label-1 row > score of a label-0 row), ties counted half. */
export function aucOf(scores: Float64Array, labels: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((i, j) => (scores[i] as number) - (scores[j] as number));
  let rankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    const rank = (start + end) / 2 + 1;
    for (let t = start; t <= end; t++) {
      if (labels[order[t] as number] === 1) {
        rankSum += rank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Nearest-neighbour two-sample test: how often a row's nearest neighbours come from its own snapshot. */
export interface NeighbourTestResult {
  /** Share of (row, neighbour) pairs within one snapshot; about (n_a² + n_b²)/n² when the snapshots are alike. */
  readonly sameShare: number;
  /** The same share with the snapshot labels shuffled. */
  readonly nullShares: readonly number[];
  readonly pValue: number;
  readonly k: number;
  readonly rows: { readonly a: number; readonly b: number };
}

/**
 * Schilling–Henze nearest-neighbour test: the share of each row's k nearest other rows that come
 * from its own snapshot. A linear boundary cannot see a minority of rows in a region the other
 * snapshot does not reach (a partial re-embed); their neighbours are all their own kind. The
 * neighbour graph does not depend on the labels, so each permutation only re-counts labels.
 */
export function neighbourTwoSampleTest(pool: PooledSnapshots, options: { readonly k?: number; readonly permutations?: number; readonly seed?: number } = {}): NeighbourTestResult {
  const k = options.k ?? 10;
  const permutations = options.permutations ?? 50;
  const rng = new Rng((options.seed ?? 0) ^ 0x4e4e);
  const { count: n } = pool.rows;
  const labels = pool.labels;
  const lists = exactSearch(pool.rows, pool.rows, { metric: 'cosine', k, exclude: (q, row) => q === row });
  const sameShare = sameLabelShare(lists.ids, lists.k, labels, n);
  const shuffled = Uint8Array.from(labels);
  const nullShares: number[] = [];
  for (let p = 0; p < permutations; p++) {
    shuffleLabels(shuffled, rng);
    nullShares.push(sameLabelShare(lists.ids, lists.k, shuffled, n));
  }
  const atLeast = nullShares.filter((value) => value >= sameShare).length;
  return { sameShare, nullShares, pValue: (1 + atLeast) / (1 + permutations), k: lists.k, rows: { a: pool.countA, b: pool.countB } };
}

function sameLabelShare(ids: Int32Array, k: number, labels: Uint8Array, n: number): number {
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const neighbour = ids[i * k + j] as number;
      if (neighbour < 0) continue;
      pairs++;
      if (labels[neighbour] === labels[i]) same++;
    }
  }
  return pairs ? same / pairs : NaN;
}
