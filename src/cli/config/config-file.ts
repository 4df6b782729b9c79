import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { FINDING_CODES } from '../../core/finding.js';
import { METRICS } from '../../core/policy.js';
import { UsageError } from '../../errors.js';
import { FAIL_ON_LEVELS } from '../../reporters/fail-threshold.js';
import { REPORT_FORMATS } from '../../reporters/index.js';
import { SCAN_ENGINES } from '../../sources/formats.js';

/** Found upward from the working directory, like .eslintrc / lighthouserc: one per repository or folder. */
export const CONFIG_FILE = 'vectorclinic.config.json';

const suppression = z
  .object({
    code: z.enum(FINDING_CODES),
    reason: z.string().trim().min(1, 'a suppression needs a reason (why this finding is accepted for this target)'),
  })
  .strict();

/** Settings that can differ per target (a `targets` entry) or hold for all (top level). */
const targetSettings = {
  metric: z.enum(METRICS).optional(),
  dim: z.number().int().positive().optional(),
  model: z.string().min(1).optional(),
  /** Paths are relative to the config file's folder. */
  queries: z.string().min(1).optional(),
  vectors: z.string().min(1).optional(),
  field: z.string().min(1).optional(),
  /** Read Parquet targets with this engine (--engine). */
  engine: z.enum(SCAN_ENGINES).optional(),
  sample: z.number().int().min(10).optional(),
  seed: z.number().int().min(0).optional(),
  full: z.boolean().optional(),
  auditBudget: z.number().positive().optional(),
  failOn: z.enum(FAIL_ON_LEVELS as [string, ...string[]]).optional(),
  /** Search-time settings as the engine names them (smoke; e.g. ef, hnsw.ef_search, nprobe). */
  search: z.record(z.string().regex(/^[A-Za-z_][\w.]*$/, 'a setting name as the engine spells it, e.g. ef or hnsw.ef_search'), z.number().int().positive()).optional(),
  /** Metadata filters the application searches with (check --filter), e.g. "tenant_id = 7". */
  filter: z.array(z.string().min(1)).optional(),
  suppress: z.array(suppression).optional(),
};

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    ...targetSettings,
    /** Report formats for every run (relative to the config file: outDir). */
    formats: z
      .array(z.enum(REPORT_FORMATS as [string, ...string[]]))
      .min(1)
      .optional(),
    outDir: z.string().min(1).optional(),
    /** Per-target settings: `match` is a path glob (`data/*.npy`, `**` for any folders) or a URL pattern (`postgres://*`). */
    targets: z.array(z.object({ match: z.string().min(1), ...targetSettings }).strict()).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configSchema>;
export type TargetSettings = Omit<ConfigFile, '$schema' | 'formats' | 'outDir' | 'targets'>;

export interface LoadedConfig {
  readonly path: string;
  readonly directory: string;
  readonly config: ConfigFile;
}

/** The nearest vectorclinic.config.json from `start` up to the filesystem root, if any. */
export function findConfig(start: string = process.cwd()): string | undefined {
  let directory = resolve(start);
  for (;;) {
    const candidate = join(directory, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * Read and validate a config file. Every problem is exit 2 naming the file, the JSON path of the
 * field and what was expected, so a typo never silently falls back to a default.
 */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      where: path,
      hint: `give an existing file to --config, or create ${CONFIG_FILE} with \`vectorclinic init\``,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`not valid JSON: ${(error as Error).message}`, { where: path, hint: 'fix the syntax (JSON has no comments and no trailing commas)' });
  }
  const result = configSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    throw new UsageError(`invalid config: ${problems.join('; ')}${more}`, { where: path, hint: 'see the config section of the README for every field' });
  }
  return { path, directory: dirname(resolve(path)), config: result.data };
}

/** `targets[0].metric` from zod's path. */
function jsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`)).join('');
}
