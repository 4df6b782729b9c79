import type { NormState } from '../core/policy.js';
import type { RowStats } from '../gather/row-stats.js';

/** Whether rows were L2-normalized on purpose, not at all, or only some of them. */
export interface NormRegimes {
  readonly state: NormState;
  readonly validRows: number;
  readonly unitRows: number;
  readonly rawRows: number;
  /** Unit-norm rows a smooth raw norm distribution would put in the unit window by chance. */
  readonly unitByChance: number;
  readonly unitShare: number;
}

/**
 * Unit rows are "deliberate" when there are far more of them than the density of raw norms just
 * outside the unit window predicts: raw norms that straddle 1 put some rows there by chance.
 */
const DELIBERATE_FACTOR = 10;
/** Below this share the minority regime is noise (a handful of rows), not a second population. */
export const MIXED_MIN_SHARE = 0.001;
const MIXED_MIN_ROWS = 3;

export function normRegimes(stats: RowStats): NormRegimes {
  const { validRows } = stats;
  const unitRows = stats.norms.unitRows;
  const unitByChance = stats.norms.nearUnitRows / Math.max(1, stats.norms.nearUnitBandWidths);
  const deliberate = unitRows >= MIXED_MIN_ROWS && unitRows > DELIBERATE_FACTOR * unitByChance && unitRows > unitByChance + 5 * Math.sqrt(unitByChance + 1);
  const rawRows = validRows - unitRows;
  const base = { validRows, unitRows, rawRows, unitByChance, unitShare: validRows ? unitRows / validRows : NaN };
  if (validRows === 0) return { ...base, state: 'unknown' };
  if (!deliberate) return { ...base, state: 'raw' };
  const minority = Math.min(unitRows, rawRows);
  const mixed = minority >= MIXED_MIN_ROWS && minority / validRows >= MIXED_MIN_SHARE;
  return { ...base, state: mixed ? 'mixed' : 'unit' };
}
