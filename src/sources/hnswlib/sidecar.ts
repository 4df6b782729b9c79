import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Metric } from '../../core/policy.js';

/** What LangChain.js's `HNSWLib.save(directory)` writes beside `hnswlib.index`: `{ space, numDimensions }`. */
export interface HnswlibSidecar {
  readonly path: string;
  readonly space?: Metric;
  readonly numDimensions?: number;
  /** Why the file could not be used, when it exists but is unreadable or malformed. */
  readonly problem?: string;
}

/** args.json is a few dozen bytes; anything this large is some other file. */
const MAX_SIDECAR_BYTES = 1 << 20;
const SPACES: readonly string[] = ['l2', 'ip', 'cosine'];

/** The LangChain.js `args.json` in the index's directory, if there is one. */
export function readSidecar(indexPath: string): HnswlibSidecar | undefined {
  const path = join(dirname(indexPath), 'args.json');
  if (!existsSync(path)) return undefined;
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_SIDECAR_BYTES) return { path, problem: 'not a small JSON file' };
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return { path, problem: 'not a JSON object' };
    const { space, numDimensions } = parsed as Record<string, unknown>;
    const validSpace = typeof space === 'string' && SPACES.includes(space) ? (space as Metric) : undefined;
    const validDim = typeof numDimensions === 'number' && Number.isSafeInteger(numDimensions) && numDimensions > 0 ? numDimensions : undefined;
    if (!validSpace) return { path, problem: `"space" is ${JSON.stringify(space) ?? 'missing'}, not one of ${SPACES.join(', ')}` };
    return { path, space: validSpace, ...(validDim !== undefined ? { numDimensions: validDim } : {}) };
  } catch (error) {
    return { path, problem: error instanceof Error ? error.message : String(error) };
  }
}
