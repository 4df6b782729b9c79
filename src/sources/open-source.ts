import { extname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { LocalFile } from './files/local-file.js';
import { FILE_FORMATS, type SourceOptions } from './formats.js';
import type { VectorSource } from './source.js';
import { STORE_CONNECTORS } from './stores.js';

const SNIFF_BYTES = 64;
const URL_PATTERN = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Open a file path or a store URL as a VectorSource. */
export async function openSource(target: string, options: SourceOptions = {}): Promise<VectorSource> {
  const scheme = URL_PATTERN.exec(target)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') {
    const connector = STORE_CONNECTORS.find((candidate) => candidate.schemes.includes(scheme));
    if (!connector) {
      const known = STORE_CONNECTORS.map((c) => c.example).join(', ');
      throw new UsageError(`unsupported store scheme '${scheme}://'`, {
        where: redactUrl(target),
        hint: known ? `supported stores: ${known}` : 'give a path to a vector or index file',
      });
    }
    return connector.open(target, options);
  }
  const path = scheme === 'file' ? decodeURIComponent(new URL(target).pathname) : target;
  return openFile(path, options);
}

async function openFile(path: string, options: SourceOptions): Promise<VectorSource> {
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
  const extension = extname(path).toLowerCase();
  const format = sniffed ?? FILE_FORMATS.find((candidate) => candidate.extensions.includes(extension));
  if (!format) {
    const extensions = FILE_FORMATS.flatMap((f) => f.extensions).join(', ');
    throw new InputError(`cannot tell what kind of vector file this is (extension '${extension || 'none'}', unrecognised header)`, {
      where: path,
      byteOffset: 0,
      hint: `supported: ${extensions}`,
    });
  }
  return format.open(path, options);
}

/** A store URL safe to print: the password (if any) replaced by ***. */
export function redactUrl(target: string): string {
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return target.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
