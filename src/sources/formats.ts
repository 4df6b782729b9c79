import type { Metric } from '../core/policy.js';
import { isFaissHead } from './faiss/fourcc.js';
import { openFaiss } from './faiss/faiss-source.js';
import { openNpy } from './files/npy.js';
import { openVecs } from './files/vecs.js';
import type { VectorSource } from './source.js';

/** Options a reader may need beyond the path. */
export interface SourceOptions {
  /** JSONL / Parquet / Arrow: the column or field holding the embedding. */
  readonly field?: string;
  /** The declared metric, for formats that do not store one (hnswlib). */
  readonly metric?: Metric;
}

/** A file format vectorclinic reads: recognised by its magic bytes first, its extension second. */
export interface FileFormat {
  readonly name: string;
  readonly extensions: readonly string[];
  /** True when the first bytes of the file identify this format. */
  readonly sniff?: (head: Uint8Array) => boolean;
  open(path: string, options: SourceOptions): VectorSource | Promise<VectorSource>;
}

const startsWith = (head: Uint8Array, bytes: readonly number[]): boolean => bytes.every((byte, i) => head[i] === byte);

export const FILE_FORMATS: readonly FileFormat[] = [
  {
    name: 'npy',
    extensions: ['.npy'],
    sniff: (head) => startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]),
    open: (path) => openNpy(path),
  },
  { name: 'fvecs', extensions: ['.fvecs'], open: (path) => openVecs(path, 'fvecs') },
  { name: 'bvecs', extensions: ['.bvecs'], open: (path) => openVecs(path, 'bvecs') },
  // FAISS files start with their index's fourcc; '.index' files (also hnswlib's name) are FAISS only when that sniff matches.
  { name: 'faiss', extensions: ['.faiss'], sniff: isFaissHead, open: (path) => openFaiss(path) },
];
