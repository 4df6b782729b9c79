import type { Metric } from '../../core/policy.js';
import { UsageError } from '../../errors.js';
import type { SourceDescription, VectorSource } from '../../sources/source.js';
import type { IndexParams } from '../params.js';
import type { RebuildOptions, RebuildPlan, RebuildResult } from '../types.js';

/** A live store a rebuild writes into, with the engine's own index builder. */
export interface StoreTarget {
  readonly engine: string;
  /** The URL that reads the written table back, when it differs from the output (write-only parameters dropped). */
  readonly readTarget?: string;
  /** The output, secrets redacted. */
  readonly shown: string;
  /** The source is this very table: rows are rewritten where they are. */
  readonly inPlace: boolean;
  /**
   * The path the output lock file goes beside (LanceDB: the table directory). Undefined where the
   * engine serializes writers itself (pgvector: one transaction holding a table lock).
   */
  readonly lockTarget?: string;
  /** Plan lines for the write (after the shared guard / clean / normalize lines). */
  writeSteps(params: IndexParams, metric: Metric): string[];
  apply(source: VectorSource, description: SourceDescription, plan: RebuildPlan, options: RebuildOptions): Promise<NonNullable<RebuildResult['applied']>>;
}

export function refuseWhitening(options: Pick<RebuildOptions, 'whiten'>, engine: string): void {
  if (options.whiten) {
    throw new UsageError(`--whiten cannot be applied inside ${engine}: every query would need the same transform, and the store has no place to keep it for them`, {
      where: '--whiten',
      hint: 'rebuild into an index file (.hnsw, .usearch, .faiss), whose manifest carries the transform, or drop --whiten',
    });
  }
}
