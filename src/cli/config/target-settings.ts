import { isAbsolute, resolve } from 'node:path';
import type { SuppressionRule } from '../../report/accepted-findings.js';
import { redactTarget } from '../../engines/store-url.js';
import type { LoadedConfig, TargetSettings } from './config-file.js';

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const PATH_SETTINGS = ['queries', 'vectors'] as const;

/** What the config says for one target: merged settings (later `targets` entries win) and every suppression that applies. */
export interface ConfiguredTarget {
  readonly settings: Omit<TargetSettings, 'suppress'>;
  readonly suppress: readonly SuppressionRule[];
  /** The `targets` entries that matched, for --verbose. */
  readonly matched: readonly string[];
}

export function settingsForTarget(loaded: LoadedConfig | undefined, target: string): ConfiguredTarget {
  if (!loaded) return { settings: {}, suppress: [], matched: [] };
  const { config, directory, path } = loaded;
  const { $schema: _schema, formats: _formats, outDir: _outDir, targets = [], ...top } = config;
  const layers: { readonly settings: TargetSettings; readonly source: string }[] = [{ settings: top, source: path }];
  const matched: string[] = [];
  for (const [index, entry] of targets.entries()) {
    const { match, ...settings } = entry;
    if (!matchesTarget(match, target, directory)) continue;
    matched.push(match);
    layers.push({ settings, source: `${path} targets[${index}]` });
  }
  let merged: Omit<TargetSettings, 'suppress'> = {};
  const suppress: SuppressionRule[] = [];
  for (const layer of layers) {
    const { suppress: rules = [], ...settings } = layer.settings;
    const relativeTo: Partial<Record<(typeof PATH_SETTINGS)[number], string>> = {};
    for (const key of PATH_SETTINGS) {
      const value = settings[key];
      if (value !== undefined) relativeTo[key] = URL_LIKE.test(value) || isAbsolute(value) ? value : resolve(directory, value);
    }
    merged = { ...merged, ...settings, ...relativeTo };
    suppress.push(...rules.map((rule) => ({ ...rule, source: layer.source })));
  }
  return { settings: merged, suppress, matched };
}

/**
 * Does a `match` pattern name this target? URL patterns match the target as reports show it,
 * password redacted (`postgres://app:***@db/rag*`), so no config needs a secret, and their `*`
 * spans any characters; path
 * patterns are relative to the config file's folder and match the target's resolved path
 * (`*` within a folder, `**` across folders, `?` one character).
 */
export function matchesTarget(pattern: string, target: string, directory: string): boolean {
  const urlPattern = URL_LIKE.test(pattern);
  if (urlPattern !== URL_LIKE.test(target)) return false;
  if (urlPattern) return globRegExp(pattern, true).test(redactTarget(target));
  return globRegExp(resolve(directory, pattern)).test(resolve(target));
}

/** `anyCharacter`: in URL patterns `*` also spans '/' (`postgres://*` is every Postgres target). */
function globRegExp(glob: string, anyCharacter = false): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += anyCharacter ? '.*' : '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
