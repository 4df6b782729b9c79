/** Number formatting shared by check messages and reporters, so every figure reads the same way. */

export function percent(fraction: number, digits = 2): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  if (fraction > 0 && fraction < 10 ** -digits / 100) return `<${(10 ** -digits).toFixed(digits)}%`;
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Up to 4 significant digits, no exponent for everyday magnitudes. */
export function figure(value: number, significant = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? 'Inf' : '-Inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(significant - 1);
  return String(Number(value.toPrecision(significant)));
}

/** 1,234,567. Integers are grouped by hand: the first toLocaleString call costs ~20 ms of ICU set-up. */
export function count(value: number): string {
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+$)/g, ',');
  return value < 0 ? `-${digits}` : digits;
}

/** "12, 40, 97 and 20 more" */
export function rowList(rows: readonly number[], total: number, shown = 8): string {
  const head = rows.slice(0, shown).join(', ');
  const rest = total - Math.min(rows.length, shown);
  return rest > 0 ? `${head} and ${count(rest)} more` : head;
}

/** Round for JSON evidence: stable output without float noise. */
export function round(value: number, digits = 6): number {
  if (!Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}
