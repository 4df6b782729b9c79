/**
 * Text formats (JSON) store numbers as printed decimals. Writers often round them
 * (`round(x, 4)`, `%.5g`), and a unit vector rounded to 3 decimals no longer has norm 1 within
 * float32 tolerance. This estimates how far rounding can move the norm from the digits printed.
 */

/** A norm further than this many standard deviations of the rounding noise is not rounding. */
const ROUNDING_SIGMAS = 5;

/** Decimal places and significant digits of the shortest text that reads back as `value` (> 0). */
function printedDigits(value: number): { decimals: number; significant: number } {
  // String() gives the shortest round-trip text, i.e. what the writer printed minus trailing zeros.
  // Parsed by hand: a regex here cost ~9 µs per value, too slow for thousands of probe values.
  const text = String(value);
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const fraction = dot < 0 ? 0 : mantissa.length - dot - 1;
  let leadingZeros = 0;
  for (const char of mantissa) {
    if (char === '0' || char === '.') leadingZeros++;
    else break;
  }
  const digits = mantissa.length - (dot < 0 ? 0 : 1) - leadingZeros + (dot >= 0 && dot < leadingZeros ? 1 : 0);
  return { decimals: fraction - exponent, significant: Math.max(1, digits) };
}

/**
 * Standard deviation of the relative norm change that rounding to the printed resolution causes
 * in this row. The resolution is the finest the row shows: the most decimals (fixed rounding,
 * `round(x, 4)`) and the most significant digits (`%.5g`); each value's rounding step is the
 * coarser of the two at its magnitude, and the error is uniform within ±step/2.
 */
export function printedRoundingSigma(values: ArrayLike<number>): number {
  let decimals = -Infinity;
  let significant = 0;
  let norm2 = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value === 0 || !Number.isFinite(value)) continue;
    norm2 += value * value;
    const digits = printedDigits(Math.abs(value));
    decimals = Math.max(decimals, digits.decimals);
    significant = Math.max(significant, digits.significant);
  }
  if (norm2 === 0 || significant === 0) return 0;
  let variance = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value === 0 || !Number.isFinite(value)) continue;
    const fixedStep = 10 ** -decimals;
    const significantStep = 10 ** (Math.floor(Math.log10(Math.abs(value))) - significant + 1);
    const step = Math.max(fixedStep, significantStep);
    variance += (value * value * step * step) / 12;
  }
  // d‖x‖/‖x‖ = Σ xᵢ·eᵢ / ‖x‖²
  return Math.sqrt(variance) / norm2;
}

/** Norm tolerance for printed rows: the storage tolerance, or the rounding noise when it is larger. */
export function printedNormTolerance(baseTolerance: number, rowSigmas: readonly number[]): number {
  const worst = rowSigmas.reduce((max, sigma) => Math.max(max, sigma), 0);
  return Math.max(baseTolerance, ROUNDING_SIGMAS * worst);
}
