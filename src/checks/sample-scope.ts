import { count, percent } from '../core/format.js';
import type { RowStats } from '../gather/row-stats.js';
import { wilsonInterval, zeroHitUpperBound } from '../math/bounds.js';

/**
 * How to state a per-row rate honestly: exact after a full scan, an estimate with a 95%
 * interval after a sample (never "0.0%" from 5k rows of a billion-row store).
 */
export interface RateStatement {
  readonly rate: number;
  readonly rateHigh: number;
  readonly exact: boolean;
  readonly text: string;
}

/** "ids 17, 902 and 3 more": store ids (primary keys) of affected rows. */
export function idList(ids: readonly string[], total: number, shown = 8): string {
  const rest = total - Math.min(ids.length, shown);
  return `ids ${ids.slice(0, shown).join(', ')}${rest > 0 ? ` and ${count(rest)} more` : ''}`;
}

/** A rate the store itself counted over every row (a pushed-down SQL aggregate): exact, like a full scan. */
export function describeStoreRate(hits: number, total: number): RateStatement {
  const rate = total ? hits / total : 0;
  return { rate, rateHigh: rate, exact: true, text: `${count(hits)} of ${count(total)} rows (${percent(rate)}, counted by the store)` };
}

export function describeRate(hits: number, stats: RowStats): RateStatement {
  const trials = stats.rowsScanned;
  if (stats.scope === 'full') {
    const rate = trials ? hits / trials : 0;
    return { rate, rateHigh: rate, exact: true, text: `${count(hits)} of ${count(trials)} rows (${percent(rate)})` };
  }
  if (hits === 0) {
    const high = zeroHitUpperBound(trials);
    return {
      rate: 0,
      rateHigh: high,
      exact: false,
      text: `0 of ${count(trials)} sampled rows (at most ${percent(high)} of the ${count(stats.totalRows)} rows, 95% confidence)`,
    };
  }
  const { low, high } = wilsonInterval(hits, trials);
  const rate = hits / trials;
  return {
    rate,
    rateHigh: high,
    exact: false,
    text: `${count(hits)} of ${count(trials)} sampled rows (${percent(rate)}; ${percent(low)}–${percent(high)} of the store, 95% confidence)`,
  };
}
