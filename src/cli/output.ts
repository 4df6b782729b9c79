import { statSync, writeFileSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { assertWritableTarget, writeFileAtomic } from '../io/atomic.js';

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function useColor(stream: NodeJS.WriteStream, requested: boolean | undefined): boolean {
  if (requested === false) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/**
 * Fail before any work when the report could not be written: a missing or read-only folder, or a
 * folder named as the file. Devices and pipes (/dev/stdout, a FIFO) are written as streams.
 */
export function assertReportOut(out: string | undefined): void {
  if (out === undefined || isStream(out)) return;
  if (statOrUndefined(out)?.isDirectory()) {
    throw new UsageError(`${out} is a folder`, { where: '--out', hint: `name the report file, e.g. ${out.replace(/\/+$/, '')}/report.html` });
  }
  assertWritableTarget(out, '--out');
}

/** Write to --out (atomically: a reader never sees half a report, a failed write keeps the old one) or stdout. */
export function emit(text: string, out: string | undefined): void {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  try {
    if (isStream(out)) writeFileSync(out, text);
    else writeFileAtomic(out, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`could not write the report to ${out} (${code})`, { where: '--out', hint: 'free space or choose another location; nothing was written there', cause: error });
  }
}

function isStream(path: string): boolean {
  const stats = statOrUndefined(path);
  return stats !== undefined && !stats.isFile() && !stats.isDirectory();
}

/** A path that is missing, or whose parent is a file (ENOTDIR), has no stats: the writability check says why. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
