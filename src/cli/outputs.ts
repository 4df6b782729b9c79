import { basename, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { emit } from './output.js';

/**
 * Where a run's reports go: `-f/--format` and `-o/--out` are repeatable, `--out-dir DIR` writes one
 * file per format (and per target). Planned before anything runs, so a wrong combination is an
 * exit 2 before a minute of checking, and written only when every report rendered.
 */
export interface OutputRequest {
  readonly formats: readonly string[];
  readonly outs: readonly string[];
  readonly outDir?: string;
}

/** One report to write: `path` undefined means stdout. */
export interface PlannedOutput {
  readonly format: string;
  readonly path?: string;
}

/** The extension each format writes, and the extensions `-o FILE` reads a format from. */
export const FORMAT_EXTENSIONS: Readonly<Record<string, string>> = { text: 'txt', json: 'json', html: 'html', md: 'md', junit: 'xml', sarif: 'sarif' };
const FORMAT_BY_EXTENSION: Readonly<Record<string, string>> = { '.txt': 'text', '.json': 'json', '.html': 'html', '.htm': 'html', '.md': 'md', '.markdown': 'md', '.xml': 'junit', '.sarif': 'sarif' };

/** The format `-o FILE` names by its extension (report.sarif.json is SARIF), or undefined. */
export function formatFromPath(path: string): string | undefined {
  if (/\.sarif\.json$/i.test(path)) return 'sarif';
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Plan the outputs for `targets` (one name per target, for file names in --out-dir):
 * - no -o, no --out-dir: one format to stdout (the default `text`);
 * - one -o: the -f format if one is given (as before), else the file's extension;
 * - several -o: each file's extension names its format (-f is then not needed and must agree);
 * - --out-dir DIR: DIR/<target>.<ext> for each -f format.
 */
export function planOutputs(request: OutputRequest, targets: readonly string[], supported: readonly string[]): PlannedOutput[][] {
  const formats = [...new Set(request.formats)];
  for (const format of formats) {
    if (!supported.includes(format)) throw new UsageError(`unknown report format '${format}'`, { where: '--format', hint: `one of ${supported.join(', ')}` });
  }
  if (request.outDir !== undefined) {
    if (request.outs.length) throw new UsageError('give --out-dir or --out, not both', { where: '--out-dir', hint: '--out-dir DIR writes DIR/<target>.<ext> for each --format' });
    const chosen = formats.length ? formats : ['text'];
    const names = fileStems(targets);
    return names.map((stem) => chosen.map((format) => ({ format, path: join(request.outDir as string, `${stem}.${FORMAT_EXTENSIONS[format]}`) })));
  }
  const several = targets.length > 1;
  if (request.outs.length === 0) {
    if (formats.length > 1)
      throw new UsageError(`${formats.length} formats and one stdout`, {
        where: '--format',
        hint: `write them to files: --out-dir reports, or one -o per format (-o report.${FORMAT_EXTENSIONS[formats[0] as string]} -o report.${FORMAT_EXTENSIONS[formats[1] as string]})`,
      });
    const format = formats[0] ?? 'text';
    if (several && !STREAMABLE.has(format))
      throw new UsageError(`${targets.length} targets give ${targets.length} ${format} reports, which do not concatenate on stdout`, {
        where: '--format',
        hint: `write one file per target: --out-dir reports --format ${format}`,
      });
    return targets.map(() => [{ format }]);
  }
  if (several) throw new UsageError(`${targets.length} targets and --out: each target has its own report`, { where: '--out', hint: '--out-dir DIR writes DIR/<target>.<ext> for each target and --format' });
  if (request.outs.length === 1 && formats.length <= 1) {
    const path = request.outs[0] as string;
    const format = formats[0] ?? formatFromPath(path) ?? 'text';
    return [[{ format, path }]];
  }
  const planned = request.outs.map((path) => {
    const format = formatFromPath(path);
    if (!format) throw new UsageError(`cannot tell the format of '${path}' from its extension`, { where: '--out', hint: `with several -o files, name each by its format: ${Object.keys(FORMAT_BY_EXTENSION).join(' ')}` });
    return { format, path };
  });
  const written = new Set(planned.map((output) => output.format));
  const unmatched = formats.filter((format) => !written.has(format));
  if (unmatched.length)
    throw new UsageError(`--format ${unmatched.join(', ')} has no -o file of that type`, { where: '--format', hint: 'with several -o files the extensions name the formats; drop --format or add a file for it' });
  return [planned];
}

/** Formats whose reports can follow each other on stdout (several targets, no files). */
const STREAMABLE = new Set(['text', 'md']);

/** File names for --out-dir from the targets: their base names, made unique, with nothing a path could escape through. */
function fileStems(targets: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return targets.map((target) => {
    const base = basename(target.replace(/[?#].*$/, '').replace(/\/+$/, '')) || 'report';
    const stem = base.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'report';
    const used = seen.get(stem) ?? 0;
    seen.set(stem, used + 1);
    return used ? `${stem}-${used + 1}` : stem;
  });
}

/**
 * Write rendered reports: each file whole (written atomically by `emit`, so a reader never sees
 * half a report), stdout in order. Returns the files written.
 */
export function writeOutputs(rendered: readonly { readonly output: PlannedOutput; readonly text: string }[], stdout: NodeJS.WritableStream = process.stdout): string[] {
  const written: string[] = [];
  for (const { output, text } of rendered) {
    if (output.path === undefined) {
      stdout.write(text);
      continue;
    }
    emit(text, output.path);
    written.push(output.path);
  }
  return written;
}
