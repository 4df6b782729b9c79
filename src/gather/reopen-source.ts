import type { FixedRowSource } from '../sources/files/fixed-row-source.js';
import { openNpy } from '../sources/files/npy.js';
import { openVecs } from '../sources/files/vecs.js';
import type { VectorSource } from '../sources/source.js';

/**
 * Sources a worker thread can open again from a kind and a path alone: the parallel scan's workers
 * scan ranges of them, and the sample helper reads the sampled rows from them.
 */
export const REOPENABLE_KINDS = ['npy', 'fvecs', 'bvecs'] as const;
export type ReopenableKind = (typeof REOPENABLE_KINDS)[number];

/** What a worker thread is sent to open the same source (structured-clone friendly). */
export interface Reopen {
  readonly kind: ReopenableKind;
  readonly path: string;
}

const OPENERS: Record<ReopenableKind, (path: string) => FixedRowSource> = {
  npy: openNpy,
  fvecs: (path) => openVecs(path, 'fvecs'),
  bvecs: (path) => openVecs(path, 'bvecs'),
};

export function isReopenable(kind: string): kind is ReopenableKind {
  return (REOPENABLE_KINDS as readonly string[]).includes(kind);
}

/** How a worker thread reopens `source`, or undefined when it cannot. */
export function reopenOf(source: VectorSource): Reopen | undefined {
  const reopen = source.rangeScanning?.reopen;
  return reopen && isReopenable(reopen.kind) ? { kind: reopen.kind, path: reopen.path } : undefined;
}

export function reopenSource(reopen: Reopen): FixedRowSource {
  return OPENERS[reopen.kind](reopen.path);
}
