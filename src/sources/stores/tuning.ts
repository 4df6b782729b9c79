import type { SearchTuning } from '../source.js';

/**
 * The knob as the index has it now (`assumed`: a library default the store does not record, see SearchTuning), plus larger settings worth trying: multiples of the current
 * value, capped at the largest setting the engine accepts (where search becomes exhaustive).
 */
export function tuningSweep(name: string, current: number, multiples: readonly number[], maximum: number, assumed?: string): SearchTuning {
  const around = (value: number): number[] => [...new Set(multiples.map((factor) => Math.min(maximum, Math.round(value * factor))))].filter((candidate) => candidate > value).sort((a, b) => a - b);
  return { name, current, sweep: around(current), sweepFrom: around, ...(assumed ? { assumed } : {}) };
}
