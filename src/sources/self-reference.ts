import type { Metric } from '../core/policy.js';
import type { SourceDescription, VectorSource } from './source.js';

/**
 * Index files that can search with their own index but have no exact path of their own (hnswlib,
 * usearch): without a --vectors file, the exact answer for the ANN audit is an exact search over
 * the vectors the index itself stores, under the metric it searches with.
 */
export interface SelfReferencing {
  /** Async: deciding may need to try the engine's own search first (an exact fallback would make the audit trivial). */
  selfReference(): Promise<SelfReferencePlan>;
}

export type SelfReferencePlan = (
  | {
      readonly usable: true;
      readonly metric: Metric;
      /** The id search results use for a stored row (labels / keys), or undefined for rows search never returns (deleted). */
      readonly idOf: (row: number) => string | number | bigint | undefined;
      readonly description: string;
    }
  | { readonly usable: false; readonly reason: string }
) & {
  /** The source's description after deciding (trying the engine's search may have learned it falls back to exact search). */
  readonly learned?: SourceDescription;
};

export function isSelfReferencing(source: VectorSource): source is VectorSource & SelfReferencing {
  return typeof (source as Partial<SelfReferencing>).selfReference === 'function';
}
