import type { IndexParams } from '../params.js';
import type { IndexType } from '../types.js';
import type { Rows } from '../../core/rows.js';

/** How an engine compares vectors: cosine is inner product over rows the rebuild normalized. */
export type EngineSpace = 'ip' | 'l2';

/** The rows to index (already cleaned, and normalized / whitened per the policy) and how to build. */
export interface BuildInput extends Rows {
  readonly space: EngineSpace;
  readonly params: IndexParams;
  /** Where to write: a temp file in the target's directory, renamed into place by the caller. */
  readonly path: string;
  /** Rows IVF/PQ training uses (seeded subset), for engines that train. */
  readonly training?: { readonly data: Float32Array; readonly count: number };
  /** Scratch directory for hand-off files (child-process engines). */
  readonly workDir: string;
}

export interface BuiltIndex {
  /** Index type as the engine names it. */
  readonly type: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** SHA-256 of the trained codebook (IVF centroids, then PQ codebook), for engines that train one. */
  readonly codebookSha256?: string;
}

/** What smoke needs to search an index this engine wrote. */
export interface SearchSpec {
  readonly path: string;
  readonly dim: number;
  readonly space: EngineSpace;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly workDir: string;
}

export interface IndexEngine {
  readonly name: string;
  readonly types: readonly IndexType[];
  /** Output extensions that select this engine. */
  readonly extensions: readonly string[];
  /** The one command that makes the engine available, when it is not an npm dependency. */
  readonly install?: string;
  build(input: BuildInput): Promise<BuiltIndex>;
  /** Rows in the index file at `path`, read back with the engine itself (verifies the write). */
  count(spec: SearchSpec): Promise<number>;
  /** Row positions (labels) of the k best rows per query, best first; -1 pads short lists. */
  search(spec: SearchSpec, queries: Float32Array, queryCount: number, k: number): Promise<Int32Array>;
}
