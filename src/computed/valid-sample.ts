import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { validRowsOf, type ValidRows } from '../gather/valid-rows.js';
import { normalizedCopy } from '../math/vectors.js';

export type { ValidRows } from '../gather/valid-rows.js';

export function validSample(artifacts: Artifacts, context: CheckContext): ValidRows {
  return context.memo('valid-sample', () => validRowsOf(artifacts.sample));
}

/** The valid sample, each row scaled to unit length: one shared copy for every cosine computation. */
export function unitValidSample(artifacts: Artifacts, context: CheckContext): Float32Array {
  return context.memo('unit-valid-sample', () => {
    const sample = validSample(artifacts, context);
    return normalizedCopy(sample.data, sample.count, sample.dim);
  });
}

export function validQueries(artifacts: Artifacts, context: CheckContext): ValidRows | undefined {
  const queries = artifacts.queries;
  return queries ? context.memo('valid-queries', () => validRowsOf(queries)) : undefined;
}
