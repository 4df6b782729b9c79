import type { Metric } from '../../core/policy.js';

/** The pgvector column types vectorclinic reads. */
export const VECTOR_TYPES = ['vector', 'halfvec', 'sparsevec'] as const;
export type VectorType = (typeof VECTOR_TYPES)[number];

export interface DistanceOperator {
  readonly metric: Metric | 'other';
  /** The ORDER BY operator an index with this operator class serves. */
  readonly operator: string;
  /** Human name of the distance, for messages. */
  readonly name: string;
}

const DISTANCES: Readonly<Record<string, DistanceOperator>> = {
  l2: { metric: 'l2', operator: '<->', name: 'L2 distance' },
  ip: { metric: 'ip', operator: '<#>', name: 'negative inner product' },
  cosine: { metric: 'cosine', operator: '<=>', name: 'cosine distance' },
  l1: { metric: 'other', operator: '<+>', name: 'L1 distance' },
  hamming: { metric: 'other', operator: '<~>', name: 'Hamming distance' },
  jaccard: { metric: 'other', operator: '<%>', name: 'Jaccard distance' },
};

/**
 * What a pgvector operator class computes: vector_cosine_ops → cosine via <=>, halfvec_ip_ops →
 * inner product via <#>, ... The opclass, not the query, fixes which ORDER BY the index serves.
 */
export function operatorClass(opclass: string): { readonly type: string; readonly distance: DistanceOperator } | undefined {
  const match = /^(vector|halfvec|sparsevec|bit)_(l2|ip|cosine|l1|hamming|jaccard)_ops$/.exec(opclass);
  if (!match) return undefined;
  const distance = DISTANCES[match[2] as string];
  return distance ? { type: match[1] as string, distance } : undefined;
}

/** The ORDER BY operator a query uses for `metric`. */
export function operatorFor(metric: Metric): DistanceOperator {
  return DISTANCES[metric] as DistanceOperator;
}
