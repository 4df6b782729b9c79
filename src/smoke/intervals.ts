import { wilsonInterval } from '../math/bounds.js';
import { Rng } from '../math/rng.js';

/** A 95% confidence interval for a mean over questions, and how it was computed. */
export interface Interval {
  readonly low: number;
  readonly high: number;
  /**
   * `wilson`: every question scored 0 or 1 (one expected answer each), so the figure is a binomial
   * proportion and the Wilson score interval applies; `bootstrap`: per-question values in between
   * (several expected answers, reciprocal ranks), so a percentile bootstrap over questions.
   */
  readonly method: 'wilson' | 'bootstrap';
}

/** Resamples for the percentile bootstrap: the 2.5% / 97.5% quantiles move by < 0.002 between seeds at this count. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Fixed so the same questions always print the same interval. */
const BOOTSTRAP_SEED = 0x5eed;

/** 95% interval for the mean of per-question values in [0, 1]. */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) return { low: 0, high: 1, method: 'wilson' };
  if (values.every((value) => value === 0 || value === 1)) {
    const hits = values.reduce((sum: number, value) => sum + value, 0);
    const { low, high } = wilsonInterval(hits, n);
    // The bounds are exactly 0 and 1 at the ends (the formula leaves rounding noise there).
    return { low: hits === 0 ? 0 : low, high: hits === n ? 1 : high, method: 'wilson' };
  }
  const [low, high] = bootstrapQuantiles(n, (pick) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[pick()] as number;
    return sum / n;
  });
  return { low, high, method: 'bootstrap' };
}

/**
 * 95% interval for mean(after) − mean(before) over the same questions: a paired percentile
 * bootstrap (each resample draws questions, both targets keep their own answer to each).
 */
export function pairedDifferenceInterval(before: readonly number[], after: readonly number[]): { readonly low: number; readonly high: number; readonly method: 'paired bootstrap' } {
  const n = Math.min(before.length, after.length);
  if (n === 0) return { low: -1, high: 1, method: 'paired bootstrap' };
  const [low, high] = bootstrapQuantiles(n, (pick) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const q = pick();
      sum += (after[q] as number) - (before[q] as number);
    }
    return sum / n;
  });
  return { low, high, method: 'paired bootstrap' };
}

/** The 2.5% and 97.5% quantiles of a statistic over resamples of n questions drawn with replacement. */
function bootstrapQuantiles(n: number, statistic: (pick: () => number) => number): [number, number] {
  const rng = new Rng(BOOTSTRAP_SEED);
  const pick = (): number => rng.nextInt(n);
  const stats = new Float64Array(BOOTSTRAP_RESAMPLES);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) stats[r] = statistic(pick);
  stats.sort();
  const at = (q: number): number => stats[Math.min(BOOTSTRAP_RESAMPLES - 1, Math.max(0, Math.round(q * (BOOTSTRAP_RESAMPLES - 1))))] as number;
  return [at(0.025), at(0.975)];
}
