import type { BatchReport, GuardTotals } from './types.js';

export interface StoreCounts {
  /** Rows in the store before the accepted rows were added. */
  readonly before: number;
  /** Rows in the store after. */
  readonly after: number;
}

export interface Reconciliation {
  readonly ingested: number;
  readonly accepted: number;
  readonly rejected: number;
  /** ingested = accepted + rejected: no row vanished inside the guard. */
  readonly balanced: boolean;
  readonly countBefore: number;
  readonly countAfter: number;
  readonly growth: number;
  /** The store grew by exactly `accepted`: nothing silently dropped, nothing overwritten. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** Check a batch (or the guard's totals) against the store's row count before and after the add. */
export function reconcile(report: BatchReport | GuardTotals, counts: StoreCounts): Reconciliation {
  const { ingested, accepted, rejected } = report;
  const growth = counts.after - counts.before;
  const problems: string[] = [];
  const balanced = ingested === accepted + rejected;
  if (!balanced) problems.push(`ingested ${ingested} ≠ accepted ${accepted} + rejected ${rejected}`);
  if (growth < accepted) problems.push(`the store grew by ${growth}, not ${accepted}: ${accepted - growth} accepted rows were dropped or overwrote existing ones`);
  if (growth > accepted) problems.push(`the store grew by ${growth}, more than the ${accepted} accepted rows: something else wrote to it meanwhile`);
  return { ingested, accepted, rejected, balanced, countBefore: counts.before, countAfter: counts.after, growth, ok: problems.length === 0, problems };
}
