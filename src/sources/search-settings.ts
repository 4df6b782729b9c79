import { UsageError } from '../errors.js';

/**
 * Reject search settings an engine does not take, or values that are not positive integers: a typo
 * (`--search ef_search=200` for hnswlib) must fail loudly, not run silently at the default.
 */
export function assertSearchSettings(params: Readonly<Record<string, number>> | undefined, allowed: readonly string[], engine: string, where: string): void {
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!allowed.includes(name) || !Number.isInteger(value) || value <= 0) {
      throw new UsageError(`unsupported search setting ${name}=${value}`, {
        where,
        hint: allowed.length ? `${engine} takes ${allowed.join(', ')} (positive integers)` : `${engine} has no search-time settings here`,
      });
    }
  }
}
