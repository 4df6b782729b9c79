import type { Rows } from '../core/rows.js';
import { kernels } from './kernels.js';
import { Rng } from './rng.js';

/**
 * Seeded k-means (k-means++ seeding, Lloyd iterations) in the geometry an IVF quantizer uses:
 * 'l2' on positions, 'ip' on directions (spherical k-means: unit rows in, unit centroids out).
 * Small on purpose: it retrains a coarse quantizer on a few thousand sampled rows to see what a
 * retrain would give, not to build an index.
 */
export type KmeansGeometry = 'l2' | 'ip';

/** FAISS's default number of Lloyd iterations. */
const ITERATIONS = 25;

/** How many centroids to fit, in which geometry, from which seed. */
export interface KmeansOptions {
  readonly k: number;
  readonly geometry: KmeansGeometry;
  readonly seed: number;
}

/** `options.k` centroids (row-major, `rows.dim` floats each) fitted to `rows`. */
export function kmeans(rows: Rows, options: KmeansOptions): Float32Array {
  const { data, count, dim } = rows;
  const { k, geometry } = options;
  const rng = new Rng(options.seed);
  const centroids = seedCentroids(rows, k, geometry, rng);
  const assignment = new Int32Array(count);
  const sums = new Float64Array(k * dim);
  const sizes = new Int32Array(k);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const { nearest } = assign(rows, { data: centroids, count: k, dim }, geometry);
    let changed = iteration === 0;
    for (let i = 0; i < count; i++) {
      if (assignment[i] !== nearest[i]) changed = true;
      assignment[i] = nearest[i] as number;
    }
    if (!changed) break;
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assignment[i] as number;
      sizes[c] = (sizes[c] as number) + 1;
      for (let j = 0; j < dim; j++) sums[c * dim + j] = (sums[c * dim + j] as number) + (data[i * dim + j] as number);
    }
    for (let c = 0; c < k; c++) {
      // An emptied centroid restarts on a random row (FAISS splits a large cluster; either keeps k in use).
      if (sizes[c] === 0) {
        const row = rng.nextInt(count);
        centroids.set(data.subarray(row * dim, (row + 1) * dim), c * dim);
        continue;
      }
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = (sums[c * dim + j] as number) / (sizes[c] as number);
      if (geometry === 'ip') normalizeRow(centroids, c, dim);
    }
  }
  return centroids;
}

/**
 * Each row's nearest centroid and its distance in the geometry: squared L2, or 1 − cosine for
 * directions (half the squared L2 between unit vectors, so both read as "distortion").
 */
export function assign(rows: Rows, centroidRows: Rows, geometry: KmeansGeometry): { readonly nearest: Int32Array; readonly distance: Float64Array } {
  const { data, count, dim } = rows;
  const { data: centroids, count: k } = centroidRows;
  const nearest = new Int32Array(count);
  const distance = new Float64Array(count);
  const centroidNorms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (centroids[c * dim + j] as number) ** 2;
    centroidNorms[c] = sum;
  }
  const block = 256;
  const dots = new Float32Array(block * k);
  for (let start = 0; start < count; start += block) {
    const blockRows = Math.min(block, count - start);
    kernels().dot({ data: data.subarray(start * dim, (start + blockRows) * dim), count: blockRows, dim }, { data: centroids, count: k, dim }, dots);
    for (let r = 0; r < blockRows; r++) {
      const i = start + r;
      let rowNorm = 0;
      if (geometry === 'l2') for (let j = 0; j < dim; j++) rowNorm += (data[i * dim + j] as number) ** 2;
      let best = -1;
      let bestScore = Infinity;
      for (let c = 0; c < k; c++) {
        const dot = dots[r * k + c] as number;
        const score = geometry === 'l2' ? (centroidNorms[c] as number) - 2 * dot : -dot;
        if (score < bestScore) {
          bestScore = score;
          best = c;
        }
      }
      nearest[i] = best;
      distance[i] = geometry === 'l2' ? Math.max(0, rowNorm + bestScore) : 1 + bestScore;
    }
  }
  return { nearest, distance };
}

/** k-means++: each next centroid drawn with probability proportional to its distance from the chosen ones. */
function seedCentroids(rows: Rows, k: number, geometry: KmeansGeometry, rng: Rng): Float32Array {
  const { data, count, dim } = rows;
  const centroids = new Float32Array(k * dim);
  const first = rng.nextInt(count);
  centroids.set(data.subarray(first * dim, (first + 1) * dim), 0);
  const closest = new Float64Array(count).fill(Infinity);
  for (let c = 1; c < k; c++) {
    const { distance } = assign(rows, { data: centroids.subarray((c - 1) * dim, c * dim), count: 1, dim }, geometry);
    let total = 0;
    for (let i = 0; i < count; i++) {
      closest[i] = Math.min(closest[i] as number, distance[i] as number);
      total += closest[i] as number;
    }
    let target = rng.nextFloat() * total;
    let pick = count - 1;
    for (let i = 0; i < count; i++) {
      target -= closest[i] as number;
      if (target <= 0) {
        pick = i;
        break;
      }
    }
    centroids.set(data.subarray(pick * dim, (pick + 1) * dim), c * dim);
  }
  return centroids;
}

function normalizeRow(data: Float32Array, row: number, dim: number): void {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[row * dim + j] as number) ** 2;
  if (!(sum > 0)) return;
  const scale = 1 / Math.sqrt(sum);
  for (let j = 0; j < dim; j++) data[row * dim + j] = (data[row * dim + j] as number) * scale;
}
