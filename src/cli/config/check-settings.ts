import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CheckOptionsInput } from '../../api/check-options.js';
import type { FailOn } from '../../reporters/fail-threshold.js';
import { findConfig, loadConfig, type LoadedConfig } from './config-file.js';
import { settingsForTarget } from './target-settings.js';

/** `check` flags a config file can also set (same names as the config's fields). */
const CONFIGURABLE = ['metric', 'dim', 'model', 'sample', 'seed', 'full', 'auditBudget', 'queries', 'vectors', 'field', 'engine', 'search', 'filter', 'failOn'] as const;
type Configurable = (typeof CONFIGURABLE)[number];

/** --config FILE, else the nearest vectorclinic.config.json upward; --no-config reads none. */
export function configFor(option: string | boolean | undefined): LoadedConfig | undefined {
  if (option === false) return undefined;
  const path = typeof option === 'string' ? option : findConfig();
  return path ? loadConfig(path) : undefined;
}

/** A flag the user typed (or set through the environment) beats the config; a default does not. */
export function givenOnCommandLine(command: Command, key: string): boolean {
  const source = command.getOptionValueSource(key);
  return source === 'cli' || source === 'env';
}

/**
 * The check options and fail-on level for one target: built-in defaults, then the config's top
 * level, then its matching `targets` entries, then the command line.
 */
export function checkSettingsFor(
  target: string,
  flags: Readonly<Partial<Record<Configurable, unknown>>>,
  command: Command,
  loaded: LoadedConfig | undefined,
  baseline: readonly string[],
): { options: CheckOptionsInput; failOn: FailOn; matched: readonly string[] } {
  const configured = settingsForTarget(loaded, target);
  const value = (key: Configurable): unknown => (givenOnCommandLine(command, key) ? flags[key] : ((configured.settings as Record<string, unknown>)[key] ?? flags[key]));
  const options: Record<string, unknown> = {};
  for (const key of CONFIGURABLE) {
    if (key === 'failOn') continue;
    const chosen = value(key);
    if (chosen !== undefined && chosen !== false) options[key] = chosen;
  }
  return {
    options: { ...(options as CheckOptionsInput), suppress: [...configured.suppress], baseline: baseline.map((path) => resolve(path)) },
    failOn: (value('failOn') as FailOn | undefined) ?? 'fail',
    matched: configured.matched,
  };
}

/** Formats and --out-dir from the config when the command line names no output at all. */
export function configuredOutputs(loaded: LoadedConfig | undefined): { formats: readonly string[]; outDir?: string } {
  if (!loaded) return { formats: [] };
  const { formats = [], outDir } = loaded.config;
  return { formats, ...(outDir ? { outDir: resolve(loaded.directory, outDir) } : {}) };
}
