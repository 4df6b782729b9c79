import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { validSample } from './valid-sample.js';

/**
 * Raw (unnormalized) rows written at two different scales: one writer multiplied by a constant, a
 * shard stored in other units, a model's vectors next to a rescaled copy. Found on the sampled
 * rows' log norms as the best two-way split (Otsu); it counts only when the two groups are far
 * apart relative to their own spread, far more than splitting one population ever gives.
 */
export interface ScaleRegimes {
  readonly rows: number;
  /** Sampled source row numbers of the smaller group, ascending. */
  readonly minorityRows: readonly number[];
  readonly minorityShare: number;
  /** Median norm of the shorter and of the longer group. */
  readonly lowMedian: number;
  readonly highMedian: number;
  /** Ashman's D on log norms: |μ1 − μ2|·√2 / √(σ1² + σ2²). */
  readonly separation: number;
  /** The longer group is the minority. */
  readonly minorityIsLonger: boolean;
}

/**
 * Two halves of one normal population have D ≈ 2.7, of a heavy-tailed one (Laplace, log-normal
 * norms) under 3.5: 4 needs two populations with clear space between them.
 */
export const SCALE_MIN_SEPARATION = 4;
/** Shorter and longer group must differ by this factor in median norm to change rankings materially. */
export const SCALE_MIN_RATIO = 1.5;
/** The smaller group needs this many sampled rows (and 0.5% of them) to be a population, not outliers. */
const MIN_GROUP_ROWS = 20;
const MIN_GROUP_SHARE = 0.005;

export function scaleRegimes(artifacts: Artifacts, context: CheckContext): ScaleRegimes | undefined {
  return context.memo('scale-regimes', () => {
    const valid = validSample(artifacts, context);
    const n = valid.count;
    const minGroup = Math.max(MIN_GROUP_ROWS, Math.ceil(MIN_GROUP_SHARE * n));
    if (n < 2 * minGroup) return undefined;
    const order = Array.from({ length: n }, (_, i) => i);
    const logs = Array.from(valid.norms, (norm) => Math.log(norm));
    order.sort((a, b) => (logs[a] as number) - (logs[b] as number));
    const sorted = order.map((i) => logs[i] as number);
    const prefix = [0];
    const prefix2 = [0];
    for (const value of sorted) {
      prefix.push((prefix[prefix.length - 1] as number) + value);
      prefix2.push((prefix2[prefix2.length - 1] as number) + value * value);
    }
    let best = -1;
    let bestScore = -Infinity;
    for (let split = minGroup; split <= n - minGroup; split++) {
      const m1 = (prefix[split] as number) / split;
      const m2 = ((prefix[n] as number) - (prefix[split] as number)) / (n - split);
      const score = split * (n - split) * (m2 - m1) ** 2; // Otsu: between-group variance
      if (score > bestScore) (bestScore = score), (best = split);
    }
    if (best < 0) return undefined;
    const stats = (from: number, to: number) => {
      const count = to - from;
      const mean = ((prefix[to] as number) - (prefix[from] as number)) / count;
      const variance = Math.max(0, ((prefix2[to] as number) - (prefix2[from] as number)) / count - mean * mean);
      return { mean, variance, median: Math.exp(sorted[from + Math.floor(count / 2)] as number) };
    };
    const low = stats(0, best);
    const high = stats(best, n);
    const separation = (Math.abs(high.mean - low.mean) * Math.SQRT2) / Math.sqrt(low.variance + high.variance || Number.MIN_VALUE);
    const minorityIsLonger = n - best < best;
    const members = minorityIsLonger ? order.slice(best) : order.slice(0, best);
    return {
      rows: n,
      minorityRows: members.map((i) => valid.rows[i] as number).sort((a, b) => a - b),
      minorityShare: members.length / n,
      lowMedian: low.median,
      highMedian: high.median,
      separation,
      minorityIsLonger,
    };
  });
}

export function distinctScales(regimes: ScaleRegimes | undefined): regimes is ScaleRegimes {
  return !!regimes && regimes.separation >= SCALE_MIN_SEPARATION && regimes.highMedian / regimes.lowMedian >= SCALE_MIN_RATIO;
}
