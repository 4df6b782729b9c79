import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, UsageError } from '../../errors.js';

/** The files a directory or a glob names, in natural name order, and what was left out. */
export interface FileSet {
  readonly files: readonly string[];
  /** Subdirectories of a directory target: not descended into. */
  readonly subdirectories: readonly string[];
}

const GLOB_CHARACTERS = /[*?[]/;

export function hasGlob(target: string): boolean {
  return GLOB_CHARACTERS.test(target);
}

/**
 * Files directly inside `directory`, skipping hidden files and `_`-prefixed ones (Hadoop/Spark
 * write `_SUCCESS`, `_common_metadata` next to their part files).
 */
export function listDirectory(directory: string): FileSet {
  const entries = readEntries(directory, directory);
  const visible = entries.filter((entry) => !entry.name.startsWith('.') && !entry.name.startsWith('_'));
  return {
    files: sortNatural(visible.filter((entry) => isFile(directory, entry)).map((entry) => join(directory, entry.name))),
    subdirectories: sortNatural(visible.filter((entry) => entry.isDirectory()).map((entry) => entry.name)),
  };
}

/**
 * Files matching a glob whose wildcards (`*`, `?`, `[...]`) are in the last path segment only,
 * e.g. `shards/*.npy`. Hand-written because Node 20 has no fs.glob and one segment needs no
 * dependency. Like a shell, `*` does not match a leading dot.
 */
export function expandGlob(pattern: string): FileSet {
  const directory = dirname(pattern);
  if (hasGlob(directory)) {
    throw new UsageError(`wildcards are only supported in the file name, not in the directory part ('${directory}')`, {
      where: pattern,
      hint: 'point at one directory, e.g. shards/*.npy',
    });
  }
  const matcher = globToRegExp(basename(pattern));
  const entries = readEntries(directory, pattern);
  const files = entries.filter((entry) => matcher.test(entry.name) && isFile(directory, entry)).map((entry) => join(directory, entry.name));
  if (files.length === 0) {
    throw new InputError('no files match this pattern', { where: pattern, hint: 'check the directory and the pattern (quote it so the shell does not expand it)' });
  }
  return { files: sortNatural(files), subdirectories: [] };
}

function readEntries(directory: string, where: string): Dirent[] {
  try {
    return readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such directory' : `cannot list the directory (${code ?? String(error)})`, {
      where,
      hint: code === 'ENOENT' ? 'check the path' : undefined,
      cause: error,
    });
  }
}

/** Regular files, following symlinks (shard directories are often links into a data lake). */
function isFile(directory: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(directory, entry.name)).isFile();
  } catch {
    return false;
  }
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      const body = glob.slice(i + 1, close);
      source += `[${body.startsWith('!') ? `^${escapeClass(body.slice(1))}` : escapeClass(body)}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  const leadingDotAllowed = glob.startsWith('.');
  return new RegExp(`^${leadingDotAllowed ? '' : '(?!\\.)'}${source}$`);
}

function escapeClass(body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&');
}

/**
 * Natural order: digit runs compare as numbers, so shard-2 comes before shard-10 (writers number
 * their shards without padding as often as with it).
 */
export function sortNatural(names: readonly string[]): string[] {
  return [...names].sort(compareNatural);
}

export function compareNatural(a: string, b: string): number {
  const pattern = /(\d+)|(\D+)/g;
  const partsA = a.match(pattern) ?? [];
  const partsB = b.match(pattern) ?? [];
  // Equal numbers written differently (2 vs 02) only decide when nothing else does.
  let tieBreak = 0;
  for (let i = 0; i < Math.min(partsA.length, partsB.length); i++) {
    const x = partsA[i] as string;
    const y = partsB[i] as string;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const byValue = compareDigitRuns(x, y);
      if (byValue !== 0) return byValue;
      tieBreak ||= x < y ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return partsA.length - partsB.length || tieBreak;
}

/** Compare digit strings by value without Number() (runs can exceed 2^53). */
function compareDigitRuns(x: string, y: string): number {
  const trimmedX = x.replace(/^0+(?=\d)/, '');
  const trimmedY = y.replace(/^0+(?=\d)/, '');
  if (trimmedX.length !== trimmedY.length) return trimmedX.length - trimmedY.length;
  return trimmedX < trimmedY ? -1 : trimmedX > trimmedY ? 1 : 0;
}
