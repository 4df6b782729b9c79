import { percent } from '../core/format.js';
import type { AnnAudit } from './artifacts.js';

/**
 * Recall levels the report names a setting for: 95% is what a well-built graph or IVF reaches at a
 * moderate setting (rebuild sizes its indexes for it), 99% what near-exact applications need.
 */
export const RECALL_TARGETS = [0.95, 0.99] as const;

export interface CurvePoint {
  readonly value: number;
  readonly recall: number;
  readonly low: number;
  readonly high: number;
  readonly queries: number;
  /** The setting the audit's verdict rests on. */
  readonly current: boolean;
}

/** Every measured setting of the knob, the audited one included, by increasing value. */
export function recallCurve(audit: AnnAudit): CurvePoint[] {
  const current: CurvePoint = { value: audit.tuning?.current ?? 0, recall: audit.recall, low: audit.recallLow, high: audit.recallHigh, queries: audit.queries, current: true };
  return [current, ...audit.sweep.map((point) => ({ ...point, current: false }))].sort((a, b) => a.value - b.value);
}

/** The smallest measured setting whose recall reaches `target`, if any does. */
export function smallestReaching(audit: AnnAudit, target: number): CurvePoint | undefined {
  return audit.tuning ? recallCurve(audit).find((point) => point.recall >= target) : undefined;
}

/** The measured setting with the highest recall (the audited one when nothing beats it). */
export function bestPoint(audit: AnnAudit): CurvePoint {
  return recallCurve(audit).reduce((best, point) => (point.recall > best.recall ? point : best));
}

/** "efSearch 50 reaches 95% (95.6%, 95% interval 94.2–96.7%)", or that no measured setting does. */
export function reachText(audit: AnnAudit, target: number): string {
  const name = audit.tuning?.name ?? 'the search setting';
  const point = smallestReaching(audit, target);
  if (point) return `${name} ${point.value} reaches ${percent(target, 0)} (${pointText(point)})`;
  const largest = Math.max(...recallCurve(audit).map((p) => p.value));
  return `no ${name} up to ${largest} reaches ${percent(target, 0)}`;
}

/** "95.6%, 95% interval 94.2–96.7%". */
export function pointText(point: Pick<CurvePoint, 'recall' | 'low' | 'high'>): string {
  return `${percent(point.recall, 1)}, 95% interval ${percent(point.low, 1)}–${percent(point.high, 1)}`;
}
