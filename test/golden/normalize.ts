/**
 * What a golden report may differ in from one run to the next, replaced by fixed placeholders.
 * Everything else in the JSON must match byte for byte.
 */

/** Keys whose values depend on the clock, the machine or the checkout, never on the data. */
const VOLATILE_KEYS: Readonly<Record<string, string>> = {
  // Wall-clock timings of the whole run and of its phases.
  durationMs: '<duration>',
  seconds: '<seconds>',
  // When the report was written.
  generatedAt: '<date>',
  // An input file's modification time: set by the git checkout, not by its content.
  modifiedAt: '<date>',
};

/** Keys volatile only inside `tool` ({ name, version, node }): the tool's release and the Node.js running it. */
const TOOL_KEYS: Readonly<Record<string, string>> = { version: '<version>', node: '<node>' };

export interface PathPlaceholders {
  /** The repository root (absolute; relative paths are kept as they are). */
  readonly repoRoot: string;
  /** Temporary directories the test made for stores and outputs. */
  readonly tempDirs: readonly string[];
}

/** The JSON text with volatile values and absolute paths replaced, keys in their original order. */
export function normalizeJson(text: string, paths: PathPlaceholders): string {
  const value = JSON.parse(text) as unknown;
  return `${JSON.stringify(normalizeValue(value, paths), null, 2)}\n`;
}

function normalizeValue(value: unknown, paths: PathPlaceholders, parentKey = ''): unknown {
  if (typeof value === 'string') return normalizePaths(value, paths);
  if (Array.isArray(value)) return value.map((item) => normalizeValue(item, paths));
  if (value === null || typeof value !== 'object') return value;
  const volatile = parentKey === 'tool' ? { ...VOLATILE_KEYS, ...TOOL_KEYS } : VOLATILE_KEYS;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key in volatile && (typeof item === 'string' || typeof item === 'number') ? volatile[key] : normalizeValue(item, paths, key)]));
}

/** A sidecar's build id (`<out>.<time base36>-<pid base36>.ids.jsonl`): the clock and the process id. */
const SIDECAR_BUILD_ID = /\.[0-9a-z]+-[0-9a-z]+(\.ids\.jsonl)$/;

/** Absolute temp and repository paths (a store URL, an output file) become <tmp-N>/ and <repo>/. */
function normalizePaths(text: string, paths: PathPlaceholders): string {
  let result = text.replace(SIDECAR_BUILD_ID, '.<build-id>$1');
  paths.tempDirs.forEach((dir, index) => {
    result = result.split(dir).join(`<tmp-${index}>`);
  });
  return result.split(paths.repoRoot.replace(/\/$/, '')).join('<repo>');
}
