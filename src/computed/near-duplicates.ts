import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { forEachClosePair } from '../math/close-pairs.js';
import { kernels } from '../math/kernels.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { UnionFind } from '../math/union-find.js';
import { selectRows } from '../math/vectors.js';
import { unitValidSample, validSample } from './valid-sample.js';

/** Near-duplicate clusters among sampled rows (exact copies included). */
export interface NearDuplicates {
  readonly rowsChecked: number;
  /** Cosine distance (1 − cos) at or below which two rows count as the same content. */
  readonly distanceThreshold: number;
  /** 75th percentile of each row's distance to its nearest other row: the data's own spacing. */
  readonly typicalNeighborDistance: number;
  /** Rows that have at least one near-duplicate among the rows checked. */
  readonly rowsInClusters: number;
  /** Rows beyond the first of each cluster: what deduplication would remove. */
  readonly redundantRows: number;
  readonly clusters: readonly { readonly size: number; readonly rows: readonly number[] }[];
}

/**
 * Rows checked: rows²/2 · dim multiply-adds when every pair must be scored in full (rows all
 * alike), near 0.1 s with the SIMD kernel (768-d: 1,600 rows; 128-d: 3,950). Through the
 * prefilter (close-pairs.ts) a sample of real embeddings takes about half: 0.05–0.07 s at 128-d
 * and 768-d, against 0.10–0.12 s scoring every pair.
 */
const PAIR_BUDGET = 1e9;
/** Rows used to measure the data's typical nearest-neighbour distance before the full pass. */
const SPACING_ROWS = 600;
/**
 * Two rows are the same content when they are far closer than rows of this data normally are:
 * within 5% of the typical nearest-neighbour distance (a twentieth of the usual gap), and never
 * looser than cos ≥ 0.995 (the same text with a changed header or whitespace lands above that for
 * common models; distinct texts rarely do). Sporadic pairs do not matter: the check acts on shares.
 */
const SPACING_FRACTION = 0.05;
const MAX_DISTANCE = 5e-3;

export function nearDuplicates(artifacts: Artifacts, context: CheckContext): NearDuplicates | undefined {
  return context.memo('near-duplicates', () => {
    const sample = validSample(artifacts, context);
    if (sample.count < 2) return undefined;
    const dim = sample.dim;
    const limit = Math.max(2, Math.floor(Math.sqrt((2 * PAIR_BUDGET) / Math.max(1, dim))));
    const rng = new Rng(artifacts.settings.seed ^ 0xd0b);
    const picks = sample.count <= limit ? undefined : sampleIndices(sample.count, limit, rng);
    const count = picks ? picks.length : sample.count;
    const rowNumbers = picks ? picks.map((i) => sample.rows[i] as number) : sample.rows;
    const allUnit = unitValidSample(artifacts, context);
    const unit = picks ? selectRows(allUnit, dim, picks) : allUnit;

    const { threshold, typical } = nearDuplicateThreshold(unit, count, dim, rng);
    const sets = new UnionFind(count);
    forEachClosePair(unit, count, dim, 1 - threshold, (a, b) => sets.union(a, b));
    const groups = sets.groups();
    const rowsInClusters = groups.reduce((sum, group) => sum + group.length, 0);
    return {
      rowsChecked: count,
      distanceThreshold: threshold,
      typicalNeighborDistance: typical,
      rowsInClusters,
      redundantRows: rowsInClusters - groups.length,
      clusters: groups.slice(0, 10).map((group) => ({ size: group.length, rows: group.slice(0, 5).map((i) => rowNumbers[i] as number) })),
    };
  });
}

/** The cosine distance at or below which two unit rows of this data are the same content. */
export function nearDuplicateThreshold(unit: Float32Array, count: number, dim: number, rng: Rng): { readonly threshold: number; readonly typical: number } {
  const typical = typicalNeighborDistance(unit, count, dim, rng);
  return { threshold: Math.min(MAX_DISTANCE, SPACING_FRACTION * typical), typical };
}

/** 75th percentile nearest-neighbour cosine distance over a subset (robust to up to 75% copies). */
function typicalNeighborDistance(unit: Float32Array, count: number, dim: number, rng: Rng): number {
  const rows = Math.min(count, SPACING_ROWS);
  const subset = rows === count ? unit : selectRows(unit, dim, sampleIndices(count, rows, rng));
  const scores = new Float32Array(rows * rows);
  kernels().dot({ data: subset, count: rows, dim }, { data: subset, count: rows, dim }, scores);
  const nearest: number[] = [];
  for (let i = 0; i < rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < rows; j++) if (j !== i && (scores[i * rows + j] as number) > best) best = scores[i * rows + j] as number;
    nearest.push(Math.max(0, 1 - best));
  }
  nearest.sort((a, b) => a - b);
  return nearest[Math.floor(0.75 * (nearest.length - 1))] ?? 0;
}
