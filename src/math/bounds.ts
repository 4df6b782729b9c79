/**
 * Confidence bounds for rates measured on a sample, so a report never claims "0.0%" from 5k of a
 * billion rows: it says "0 of 5000 sampled, ≤ 0.06% at 95%".
 */
const Z_95 = 1.959963984540054;

/** Wilson score interval for `hits` successes in `trials` (95%). */
export function wilsonInterval(hits: number, trials: number, z = Z_95): { readonly low: number; readonly high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = hits / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** One-sided 95% upper bound on a rate when none of `trials` hit (the exact form of the "rule of three"). */
export function zeroHitUpperBound(trials: number): number {
  return trials <= 0 ? 1 : 1 - 0.05 ** (1 / trials);
}
