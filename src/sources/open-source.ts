import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { expandGlob, hasGlob, listDirectory, type FileSet } from './files/file-set.js';
import { LocalFile } from './files/local-file.js';
import { openFileParts } from './files/multi-file-source.js';
import { FILE_FORMATS } from './formats.js';
import type { FileFormat, SourceOptions, VectorSource } from './source.js';
import { STORE_CONNECTORS } from './stores.js';
import { parsePathUrl, redactTarget, schemeOf } from '../engines/store-url.js';

const SNIFF_BYTES = 64;
/** Compressed containers users hand us by mistake: say so instead of "unknown format". */
const COMPRESSED = [
  { name: 'gzip', magic: [0x1f, 0x8b], tool: 'gunzip' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], tool: 'unzstd' },
];
/** Ignored files listed by name in the note (the rest are counted). */
const IGNORED_LISTED = 5;

/** Open a file path, a directory or glob of same-format files, or a store URL as a VectorSource. */
export async function openSource(target: string, options: SourceOptions = {}): Promise<VectorSource> {
  const scheme = schemeOf(target);
  if (options.engine) return openWithEngine(target, options);
  if (scheme && scheme !== 'file') {
    const connector = STORE_CONNECTORS.find((candidate) => candidate.schemes.includes(scheme));
    if (!connector) {
      const known = STORE_CONNECTORS.map((c) => c.example).join(', ');
      throw new UsageError(`unsupported store scheme '${scheme}://'`, {
        where: redactTarget(target),
        hint: known ? `supported stores: ${known}` : 'give a path to a vector or index file',
      });
    }
    return connector.open(target, options);
  }
  const path = scheme === 'file' ? parsePathUrl(target, 'file').path : target;
  if (isDirectory(path)) return openFileSet(path, listDirectory(path), options);
  if (!existsSync(path) && hasGlob(path)) return openFileSet(path, expandGlob(path), options);
  return openFile(path, options);
}

async function openFile(path: string, options: SourceOptions): Promise<VectorSource> {
  const format = detectFormat(path);
  if (!format) {
    const extensions = FILE_FORMATS.flatMap((f) => f.extensions).join(', ');
    throw new InputError(`cannot tell what kind of vector file this is (extension '${extname(path) || 'none'}', unrecognised header)`, {
      where: path,
      byteOffset: 0,
      hint: `supported: ${extensions}`,
    });
  }
  return format.open(path, options);
}

/**
 * The format of a file: magic bytes first, extension second; undefined when neither matches.
 * Empty and compressed files are errors, not "unknown".
 */
export function detectFormat(path: string): FileFormat | undefined {
  const file = LocalFile.open(path);
  let head: Uint8Array;
  try {
    if (file.size === 0) {
      throw new InputError('file is empty (0 bytes)', { where: path, byteOffset: 0, hint: 'the export wrote nothing; re-run it' });
    }
    head = file.read(0, Math.min(SNIFF_BYTES, file.size), 'the file header');
  } finally {
    file.close();
  }
  const sniffed = FILE_FORMATS.find((format) => format.sniff?.(head));
  if (sniffed) return sniffed;
  const compressed = COMPRESSED.find((container) => container.magic.every((byte, i) => head[i] === byte));
  if (compressed) {
    throw new InputError(`file is ${compressed.name}-compressed`, { where: path, byteOffset: 0, hint: `decompress it first (${compressed.tool})` });
  }
  const extension = extname(path).toLowerCase();
  return FILE_FORMATS.find((candidate) => candidate.extensions.includes(extension));
}

/**
 * A directory or glob as one source: every file of one format, in natural name order, each a
 * segment. Files of no known format are left out (and listed in a note); two formats are an error.
 */
async function openFileSet(target: string, set: FileSet, options: SourceOptions): Promise<VectorSource> {
  const byFormat = new Map<FileFormat, string[]>();
  const ignored: string[] = [];
  for (const file of set.files) {
    const format = detectFormat(file);
    if (!format) ignored.push(file);
    else byFormat.set(format, [...(byFormat.get(format) ?? []), file]);
  }
  if (byFormat.size === 0) {
    const extensions = FILE_FORMATS.flatMap((f) => f.extensions).join(', ');
    throw new InputError(`no vector files here (${set.files.length} files of no known format)`, { where: target, hint: `supported: ${extensions}` });
  }
  if (byFormat.size > 1) {
    const counts = [...byFormat].map(([format, files]) => `${files.length} ${format.name}`).join(', ');
    throw new InputError(`holds files of several formats (${counts}); one store is one format`, {
      where: target,
      hint: 'select one format with a glob, e.g. dir/*.npy (quoted)',
    });
  }
  const [format, files] = [...byFormat][0] as [FileFormat, string[]];
  const notes = [
    ignored.length ? `ignored ${ignored.length} files of no known format: ${ignored.slice(0, IGNORED_LISTED).join(', ')}${ignored.length > IGNORED_LISTED ? ', …' : ''}` : undefined,
    set.subdirectories.length ? `subdirectories are not read: ${set.subdirectories.slice(0, IGNORED_LISTED).join(', ')}${set.subdirectories.length > IGNORED_LISTED ? ', …' : ''}` : undefined,
  ].filter((note): note is string => note !== undefined);
  return openFileParts(
    target,
    files.map((path) => ({ path, open: async () => format.open(path, options) })),
    notes,
  );
}

/**
 * --engine duckdb: Parquet files (a file, a directory or a glob, expanded and ordered by the same
 * file-set rules as without it) scanned by DuckDB. Anything else is a usage error: the engine
 * reads Parquet only, and a store URL already names its engine.
 */
async function openWithEngine(target: string, options: SourceOptions): Promise<VectorSource> {
  const scheme = schemeOf(target);
  if (scheme && scheme !== 'file') {
    throw new UsageError(`--engine ${options.engine} applies to Parquet files, not to a store URL`, { where: redactTarget(target), hint: `a ${scheme}:// target is read by its own engine: drop --engine` });
  }
  const path = scheme === 'file' ? parsePathUrl(target, 'file').path : target;
  const set: FileSet | undefined = isDirectory(path) ? listDirectory(path) : !existsSync(path) && hasGlob(path) ? expandGlob(path) : undefined;
  const files = set ? set.files.filter((file) => detectFormat(file) !== undefined) : [path];
  const others = files.filter((file) => detectFormat(file)?.name !== 'parquet');
  if (others.length > 0) {
    throw new UsageError(`--engine ${options.engine} reads Parquet files; ${others[0]} is ${detectFormat(others[0] as string)?.name ?? 'not a vector file'}`, {
      where: target,
      hint: 'drop --engine to read it with the in-process reader, or select the Parquet files with a glob such as "lake/*.parquet"',
    });
  }
  if (files.length === 0) throw new InputError('no Parquet files here', { where: target, hint: 'point at a Parquet file, a directory of them or a quoted glob such as "lake/*.parquet"' });
  const ignored = set ? set.files.length - files.length : 0;
  const notes = [
    ...(ignored ? [`ignored ${ignored} files of no known format`] : []),
    ...(set?.subdirectories.length ? [`subdirectories are not read: ${set.subdirectories.slice(0, IGNORED_LISTED).join(', ')}${set.subdirectories.length > IGNORED_LISTED ? ', …' : ''}`] : []),
  ];
  const { openParquetWithDuckdb } = await import('./stores/duckdb/parquet-lake.js');
  return openParquetWithDuckdb(set ? target : path, files, options, notes);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
