import type { FindingCode } from '../core/finding.js';
import annRecall from './ann-recall.js';
import clusterImbalance from './cluster-imbalance.js';
import type { Check } from './check.js';
import countMismatch from './count-mismatch.js';
import deletedRows from './deleted-rows.js';
import dimensionMismatch from './dimension-mismatch.js';
import duplicateRows from './duplicate-rows.js';
import emptyIndex from './empty-index.js';
import filteredRecall from './filtered-recall.js';
import idCollision from './id-collision.js';
import metricMismatch from './metric-mismatch.js';
import mixedModels from './mixed-models.js';
import mixedNormShards from './mixed-norm-shards.js';
import modelChanged from './model-changed.js';
import neighborCollapse from './neighbor-collapse.js';
import nonfiniteValues from './nonfinite-values.js';
import normalizationDrift from './normalization-drift.js';
import queryModelMismatch from './query-model-mismatch.js';
import staleCodebook from './stale-codebook.js';
import unreachableRows from './unreachable-rows.js';
import zeroVectors from './zero-vectors.js';

/** Every check, in report order: what breaks a store outright first, then how it ranks. */
export const CHECKS: readonly Check[] = [
  emptyIndex,
  idCollision,
  countMismatch,
  zeroVectors,
  nonfiniteValues,
  dimensionMismatch,
  metricMismatch,
  normalizationDrift,
  queryModelMismatch,
  mixedNormShards,
  mixedModels,
  duplicateRows,
  modelChanged,
  staleCodebook,
  clusterImbalance,
  neighborCollapse,
  annRecall,
  filteredRecall,
  unreachableRows,
  deletedRows,
];

export function checkByCode(code: string): Check | undefined {
  return CHECKS.find((check) => check.meta.code === (code as FindingCode));
}
