import { isFaissHead } from './faiss/fourcc.js';
import { openNpy } from './files/npy.js';
import { ARROW_FILE_MAGIC, PARQUET_MAGIC } from './files/magic.js';
import { looksLikeHnswlib } from './hnswlib/header.js';
import { looksLikeUsearch } from './usearch/layout.js';
import type { FileFormat } from './source.js';
import { SCAN_ENGINES, type ScanEngine } from './source.js';

export { SCAN_ENGINES, type ScanEngine };

const startsWith = (head: Uint8Array, bytes: readonly number[]): boolean => bytes.every((byte, i) => head[i] === byte);

/** An Arrow stream starts with the continuation marker and a plausible schema length. */
function isArrowStreamStart(head: Uint8Array): boolean {
  if (head.length < 8 || !startsWith(head, [0xff, 0xff, 0xff, 0xff])) return false;
  const length = new DataView(head.buffer, head.byteOffset, 8).getInt32(4, true);
  return length > 0 && length < 1 << 20;
}

/**
 * Readers other than .npy's load on first use: a check of one file should not pay start-up time
 * (~0.1 s together) for the index readers it never opens. The sniffers stay static and small.
 */
export const FILE_FORMATS: readonly FileFormat[] = [
  {
    name: 'npy',
    extensions: ['.npy'],
    sniff: (head) => startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]),
    open: (path) => openNpy(path),
  },
  { name: 'fvecs', extensions: ['.fvecs'], open: async (path) => (await import('./files/vecs.js')).openVecs(path, 'fvecs') },
  { name: 'bvecs', extensions: ['.bvecs'], open: async (path) => (await import('./files/vecs.js')).openVecs(path, 'bvecs') },
  // FAISS files start with their index's fourcc; '.index' files (also hnswlib's name) are FAISS only when that sniff matches.
  { name: 'faiss', extensions: ['.faiss'], sniff: isFaissHead, open: async (path) => (await import('./faiss/faiss-source.js')).openFaiss(path) },
  {
    name: 'parquet',
    extensions: ['.parquet', '.pq'],
    sniff: (head) => startsWith(head, PARQUET_MAGIC),
    // Loaded on first use: apache-arrow and the WASM reader take ~0.3 s to import.
    open: async (path, options) => (await import('./files/parquet.js')).openParquet(path, options),
  },
  {
    name: 'arrow',
    extensions: ['.arrow', '.arrows', '.feather', '.ipc'],
    sniff: (head) => startsWith(head, ARROW_FILE_MAGIC) || isArrowStreamStart(head),
    open: async (path, options) => (await import('./files/arrow-ipc.js')).openArrowIpc(path, options),
  },
  { name: 'jsonl', extensions: ['.jsonl', '.ndjson'], open: async (path, options) => (await import('./files/jsonl.js')).openJsonl(path, options) },
  {
    // No magic bytes: recognised by its header's layout invariants (LangChain.js names it hnswlib.index).
    name: 'hnswlib',
    extensions: ['.hnswlib', '.hnsw'],
    sniff: looksLikeHnswlib,
    open: async (path, options) => (await import('./hnswlib/hnswlib-source.js')).openHnswlib(path, options.metric ? { metric: options.metric } : {}),
  },
  {
    // Saved with vectors, the file starts with the matrix size; only vector-less saves start with "usearch".
    name: 'usearch',
    extensions: ['.usearch'],
    sniff: looksLikeUsearch,
    open: async (path) => (await import('./usearch/usearch-source.js')).openUsearch(path),
  },
];
