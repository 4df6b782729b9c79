import { InvalidArgumentError } from 'commander';
import { parseFilter } from '../sources/filters.js';

/** Commander argument parser for an integer flag with a lower bound. */
export function integerOption(flag: string, minimum: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number, got '${value}'`);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < minimum) throw new InvalidArgumentError(`${flag} must be an integer ≥ ${minimum}, got '${value}'`);
    return parsed;
  };
}

/** Commander argument parser for a positive number of seconds (fractions allowed). */
export function secondsOption(flag: string): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value.trim());
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(parsed > 0)) throw new InvalidArgumentError(`${flag} takes a positive number of seconds, got '${value}'`);
    return parsed;
  };
}

/** Commander parser for a repeatable `--search name=value` (a search-time setting as the engine names it), collected into a record. */
export function searchSetting(value: string, previous: Record<string, number> | undefined): Record<string, number> {
  const match = /^([A-Za-z_][\w.]*)=(\d+)$/.exec(value);
  if (!match || !(Number(match[2]) > 0)) throw new InvalidArgumentError(`--search takes name=value with a positive integer value, got '${value}' (e.g. efSearch=128)`);
  return { ...previous, [match[1] as string]: Number(match[2]) };
}

/** Commander parser for a repeatable `--filter CONDITION`: checked against the filter grammar here (exit 2 before any work), collected as text. */
export function filterOption(value: string, previous: string[] | undefined): string[] {
  try {
    parseFilter(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? `${error.message} (${FILTER_EXAMPLE})` : String(error));
  }
  return [...(previous ?? []), value];
}

const FILTER_EXAMPLE = `e.g. --filter "tenant_id = 7" or --filter "lang IN ('en', 'de')"`;
