import type { Rows } from '../core/rows.js';
import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { wilsonInterval } from '../math/bounds.js';
import { kernels } from '../math/kernels.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { selfNeighbourLists } from '../math/self-neighbours.js';
import { UnionFind } from '../math/union-find.js';
import { normalizeInPlace, selectRows, transposed } from '../math/vectors.js';
import { centeredUnit, crossMatch, drawRows, poolSize, probeCount, type CrossMatch } from './model-relation.js';
import { unitValidSample, validSample } from './valid-sample.js';

/**
 * Are the stored rows the output of more than one embedding model? Candidate two-way splits of a
 * sample come from the rows' own structure (connected parts of the k-nearest-neighbour graph, a
 * spherical 2-means split) and from the source's segments (shard files); each is then judged by
 * how much of a part's similarity structure carries over to the other part beyond chance
 * (see model-relation.ts). One model's topics carry over strongly; two models carry over nothing.
 */
export interface PartRelation {
  /** Minority probes against the minority's own rows: the structure a model gives its own vectors. */
  readonly within: CrossMatch;
  /** The same probes against the other part. */
  readonly across: CrossMatch;
  /** across.excess / within.excess: the share of the part's own structure the other part shares. */
  readonly relation: number;
  /** One-sided upper confidence bound of `relation`. */
  readonly relationUpper: number;
  /** The part has structure of its own well above chance (else the test says nothing). */
  readonly structured: boolean;
}

export interface ModelSplit {
  /** Valid sampled rows the split was searched on. */
  readonly rows: number;
  /** How the candidate split was found. */
  readonly method: string;
  /** Source row numbers (sampled) of the minority part, ascending. */
  readonly minorityRows: readonly number[];
  readonly majorityRows: readonly number[];
  readonly minorityShare: number;
  readonly shareLow: number;
  readonly shareHigh: number;
  /** Minority → majority and majority → minority. */
  readonly forward: PartRelation;
  /** Measured only when the forward direction already looks unrelated. */
  readonly backward?: PartRelation;
  /** Mean cosine (uncentered) within each part and across: two models' vectors are near-orthogonal. */
  readonly meanCosine: { readonly minority: number; readonly majority: number; readonly across: number };
  /** Both directions show the parts' coordinate systems are unrelated. */
  readonly mixed: boolean;
}

export interface ModelSplitSearch {
  /** Valid sampled rows searched. */
  readonly rows: number;
  /** Smallest part the search can judge, as a share of rows. */
  readonly minDetectableShare: number;
  readonly candidates: number;
  /** The candidate whose parts are least related (undefined when no split could be judged). */
  readonly best?: ModelSplit;
}

/** A part needs this many sampled rows: fewer leave the excess over chance too uncertain to bound (its probes and pool are the part itself). */
export const MIN_PART_ROWS = 15;
/**
 * Rows the split is searched on. The neighbour graph is built in at most GRAPH_DIMS random
 * dimensions (Johnson–Lindenstrauss: cosines kept to about ±0.13, far finer than the gap between a
 * row's own-model neighbours and another model's rows), so its cost does not grow with the dimension.
 */
const MAX_GRAPH_ROWS = 2000;
const GRAPH_DIMS = 64;
const GRAPH_K = 10;
/**
 * Below this share of its own structure carried across, two parts do not share a coordinate
 * system. Measured: two unrelated models or a random rotation ±0.05; one model's topic clusters
 * 0.4–0.97 (anisotropic), 0.2–0.75 for whitened vectors, the hardest case.
 */
export const RELATION_MAX = 0.15;
/** One-sided 99.9% normal quantile: the upper bound used against RELATION_MAX. */
const Z = 3.09;
/** Smallest within-part excess over chance (cosine) that counts as a model's structure. */
const MIN_STRUCTURE = 0.05;
const MAX_SEGMENT_CANDIDATES = 4;
const MAX_COMPONENT_CANDIDATES = 5;

export function modelSplit(artifacts: Artifacts, context: CheckContext): ModelSplitSearch | undefined {
  return context.memo('model-split', () => {
    const valid = validSample(artifacts, context);
    if (valid.count < 2 * MIN_PART_ROWS) return undefined;
    const dim = valid.dim;
    const rng = new Rng(artifacts.settings.seed ^ 0x3d1);
    const m = Math.min(valid.count, MAX_GRAPH_ROWS);
    const picked = sampleIndices(valid.count, m, rng);
    const unit = selectRows(unitValidSample(artifacts, context), dim, picked);
    const rowNumbers = picked.map((i) => valid.rows[i] as number);

    const candidates: { method: string; minority: number[] }[] = [];
    const add = (method: string, members: readonly number[]): void => {
      const inPart = new Set(members);
      const other = rowNumbers.map((_, i) => i).filter((i) => !inPart.has(i));
      const minority = members.length <= other.length ? [...members] : other;
      if (minority.length < MIN_PART_ROWS) return;
      const key = new Set(minority);
      // A split found twice is judged once.
      if (candidates.some((c) => c.minority.length === minority.length && c.minority.every((i) => key.has(i)))) return;
      candidates.push({ method, minority: minority.sort((a, b) => a - b) });
    };
    const graphRows = dim > GRAPH_DIMS ? randomProjection(unit, m, dim, GRAPH_DIMS, rng) : unit;
    const graphDim = Math.min(dim, GRAPH_DIMS);
    for (const component of graphComponents(graphRows, m, graphDim).slice(0, MAX_COMPONENT_CANDIDATES)) add('neighbour-graph component', component);
    const halves = twoMeans(graphRows, m, graphDim, rng);
    if (halves) add('2-means split', halves);
    for (const segment of segmentParts(artifacts, rowNumbers).slice(0, MAX_SEGMENT_CANDIDATES)) add(`segment ${segment.name}`, segment.members);

    let best: ModelSplit | undefined;
    const sample: SplitSample = { unit: { data: unit, count: m, dim }, rowNumbers, rng };
    for (const candidate of candidates) {
      const split = judgeSplit(sample, candidate);
      if (!split) continue;
      if (!best || rank(split) < rank(best)) best = split;
    }
    return { rows: m, minDetectableShare: MIN_PART_ROWS / m, candidates: candidates.length, ...(best ? { best } : {}) };
  });
}

/** Mixed splits first, the one with the largest minority (it covers the most foreign rows); otherwise the least related. */
function rank(split: ModelSplit): number {
  if (split.mixed) return -10 - split.minorityShare;
  return Math.max(split.forward.relationUpper, split.backward?.relationUpper ?? -Infinity);
}

/** The sampled unit rows splits are judged on, with their row numbers in the source. */
interface SplitSample {
  readonly unit: Rows;
  readonly rowNumbers: readonly number[];
  readonly rng: Rng;
}

/** One candidate split: `minority` lists positions in the sample. */
function judgeSplit(sample: SplitSample, candidate: { readonly method: string; readonly minority: readonly number[] }): ModelSplit | undefined {
  const { data: unit, count: m, dim } = sample.unit;
  const { rowNumbers, rng } = sample;
  const { method, minority } = candidate;
  const inMinority = new Set(minority);
  const majority = rowNumbers.map((_, i) => i).filter((i) => !inMinority.has(i));
  if (majority.length < MIN_PART_ROWS) return undefined;
  const forward = relate(unit, dim, minority, majority, rng);
  const forwardUnrelated = forward.structured && forward.relationUpper < RELATION_MAX;
  const backward = forwardUnrelated ? relate(unit, dim, majority, minority, rng) : undefined;
  const share = minority.length / m;
  const interval = wilsonInterval(minority.length, m);
  const mixed = forwardUnrelated && !!backward && backward.structured && backward.relationUpper < RELATION_MAX;
  return {
    rows: m,
    method,
    minorityRows: minority.map((i) => rowNumbers[i] as number),
    majorityRows: majority.map((i) => rowNumbers[i] as number),
    minorityShare: share,
    shareLow: interval.low,
    shareHigh: interval.high,
    forward,
    ...(backward ? { backward } : {}),
    meanCosine: {
      minority: meanCosineBetween(unit, dim, minority, minority),
      majority: meanCosineBetween(unit, dim, majority, majority),
      across: meanCosineBetween(unit, dim, minority, majority),
    },
    mixed,
  };
}

/** How much of part P's own structure part Q shares (both centered on their own mean). */
export function relate(unit: Float32Array, dim: number, part: readonly number[], other: readonly number[], rng: Rng): PartRelation {
  const p = centeredUnit(selectRows(unit, dim, part), part.length, dim);
  const q = centeredUnit(selectRows(unit, dim, other), other.length, dim);
  const pool = poolSize(part.length, other.length);
  const all = part.map((_, i) => i);
  const probes = drawRows(p, dim, all, probeCount(part.length, pool), rng);
  const ownPool = drawRows(p, dim, all, pool + 1, rng);
  const otherPool = drawRows(
    q,
    dim,
    other.map((_, i) => i),
    pool,
    rng,
  );
  const within = crossMatch({ data: probes.data, count: probes.rows.length, dim }, { data: ownPool.data, count: ownPool.rows.length, dim }, { rng, excludeSelf: (i, j) => probes.rows[i] === ownPool.rows[j] });
  const across = crossMatch({ data: probes.data, count: probes.rows.length, dim }, { data: otherPool.data, count: otherPool.rows.length, dim }, { rng });
  const relation = across.excess / within.excess;
  const relationUpper = (across.excess + Z * across.excessError) / within.excess;
  const structured = Number.isFinite(relation) && within.excess - Z * within.excessError >= MIN_STRUCTURE;
  return { within, across, relation, relationUpper, structured };
}

/** Rows projected on `target` random Gaussian directions and re-normalized. */
function randomProjection(unit: Float32Array, m: number, dim: number, target: number, rng: Rng): Float32Array {
  const directions = new Float32Array(target * dim);
  for (let i = 0; i < directions.length; i++) directions[i] = rng.nextGaussian();
  const out = new Float32Array(m * target);
  kernels().dot({ data: unit, count: m, dim }, { data: directions, count: target, dim }, out);
  normalizeInPlace(out, m, target);
  return out;
}

/** Connected parts of the mutual k-nearest-neighbour graph (cosine), largest first, the largest left out. */
function graphComponents(unit: Float32Array, m: number, dim: number): number[][] {
  const k = Math.min(GRAPH_K, m - 1);
  const uf = new UnionFind(m);
  const lists = selfNeighbourLists({ data: unit, count: m, dim }, k);
  // Mutual neighbours only: one outlier row whose list reaches into another part is no bridge.
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < k; a++) {
      const j = lists[i * k + a] as number;
      if (j <= i) continue;
      for (let b = 0; b < k; b++) if (lists[j * k + b] === i) uf.union(i, j), (b = k);
    }
  }
  const groups = uf.groups();
  // The largest component is the complement of the others: judging the others covers it.
  return groups.length > 1 ? groups.slice(1) : [];
}

/** Spherical 2-means (k-means++ start, best of two): splits along the largest difference in direction. Both steps run in the dot kernel. */
function twoMeans(unit: Float32Array, m: number, dim: number, rng: Rng): number[] | undefined {
  let bestScore = -Infinity;
  let bestLabels: Uint8Array | undefined;
  const centroids = new Float32Array(2 * dim);
  const scores = new Float32Array(m * 2);
  // A part's centroid is its indicator row times the rows: a dot with the columns (dim × m).
  const columns = transposed(unit, m, dim);
  const indicators = new Float32Array(2 * m);
  for (let restart = 0; restart < 2; restart++) {
    const first = rng.nextInt(m);
    centroids.set(unit.subarray(first * dim, (first + 1) * dim), 0);
    kernels().dot({ data: unit, count: m, dim }, { data: centroids, count: 1, dim }, scores);
    let total = 0;
    const weights = new Float64Array(m);
    for (let i = 0; i < m; i++) total += weights[i] = Math.max(0, 1 - (scores[i] as number)) ** 2;
    let pick = rng.nextFloat() * total;
    let second = 0;
    for (; second < m - 1; second++) if ((pick -= weights[second] as number) <= 0) break;
    centroids.set(unit.subarray(second * dim, (second + 1) * dim), dim);
    const labels = new Uint8Array(m);
    let objective = 0;
    for (let iteration = 0; iteration < 20; iteration++) {
      kernels().dot({ data: unit, count: m, dim }, { data: centroids, count: 2, dim }, scores);
      let changed = iteration === 0;
      objective = 0;
      for (let i = 0; i < m; i++) {
        const label = (scores[2 * i + 1] as number) > (scores[2 * i] as number) ? 1 : 0;
        objective += scores[2 * i + label] as number;
        if (labels[i] !== label) (labels[i] = label), (changed = true);
      }
      if (!changed) break;
      indicators.fill(0);
      for (let i = 0; i < m; i++) indicators[(labels[i] as number) * m + i] = 1;
      kernels().dot({ data: indicators, count: 2, dim: m }, { data: columns, count: dim, dim: m }, centroids);
      for (let c = 0; c < 2; c++) {
        let norm = 0;
        for (let j = 0; j < dim; j++) norm += (centroids[c * dim + j] as number) ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let j = 0; j < dim; j++) centroids[c * dim + j] = (centroids[c * dim + j] as number) / norm;
      }
    }
    if (objective > bestScore) (bestScore = objective), (bestLabels = labels.slice());
  }
  if (!bestLabels) return undefined;
  const members: number[] = [];
  bestLabels.forEach((label, i) => label === 1 && members.push(i));
  return members.length && members.length < m ? members : undefined;
}

/** Sampled rows grouped by the source segment (shard file) they come from, largest first. */
function segmentParts(artifacts: Artifacts, rowNumbers: readonly number[]): { name: string; members: number[] }[] {
  const segments = artifacts.rowStats.segments ?? [];
  if (segments.length < 2) return [];
  const parts = segments.map((segment) => ({ name: segment.name, members: [] as number[] }));
  rowNumbers.forEach((row, i) => {
    const index = segments.findIndex((segment) => row >= segment.start && row < segment.start + segment.rows);
    if (index >= 0) parts[index]?.members.push(i);
  });
  return parts.filter((part) => part.members.length).sort((a, b) => b.members.length - a.members.length);
}

function meanCosineBetween(unit: Float32Array, dim: number, a: readonly number[], b: readonly number[]): number {
  const sum = (rows: readonly number[]): Float64Array => {
    const out = new Float64Array(dim);
    for (const r of rows) for (let j = 0; j < dim; j++) out[j] = (out[j] as number) + (unit[r * dim + j] as number);
    return out;
  };
  const sa = sum(a);
  const sb = a === b ? sa : sum(b);
  let dot = 0;
  for (let j = 0; j < dim; j++) dot += (sa[j] as number) * (sb[j] as number);
  // Distinct pairs only within one part (a row with itself is always 1).
  return a === b ? (dot - a.length) / (a.length * (a.length - 1)) : dot / (a.length * b.length);
}
