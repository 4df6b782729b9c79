import type { Metric } from '../core/policy.js';
import { InputError } from '../errors.js';
import { createGuard } from '../guard/guard.js';
import { guardSource } from '../guard/guard-source.js';
import type { Guard, GuardTotals, RejectedRow } from '../guard/types.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';
import type { Rows } from '../core/rows.js';

/** The accepted rows (L2-normalized when `normalize` was asked for), with what guard counted and refused. */
export interface LoadedRows extends Rows {
  /** Source row number of each accepted row. */
  readonly sourceRows: Int32Array;
  readonly totals: GuardTotals;
  readonly firstRejected: readonly RejectedRow[];
}

export interface RebuildGuardOptions {
  readonly metric: Metric;
  readonly normalize: boolean;
  readonly quarantine?: string;
}

/**
 * The guard a rebuild loads rows through: bad rows rejected (or quarantined) with reasons. Its ids
 * are row numbers or a table's unique key, which cannot repeat, so nothing is remembered per id.
 */
export function rebuildGuard(dim: number, options: RebuildGuardOptions): Guard {
  return createGuard({
    dim,
    metric: options.metric,
    normalize: options.normalize,
    ...(options.quarantine ? { onBad: 'quarantine' as const, quarantine: options.quarantine } : { onBad: 'reject' as const }),
    trackIds: false,
  });
}

/**
 * Stream every row of the source through the guard (dimension, zero, non-finite, exact copies) into
 * one matrix of accepted rows. Exact copies are flagged here and removed by deduplication, if asked.
 */
export async function loadThroughGuard(
  source: VectorSource,
  description: SourceDescription,
  options: { readonly dim: number; readonly metric: Metric; readonly normalize: boolean; readonly quarantine?: string; readonly signal?: AbortSignal },
): Promise<LoadedRows> {
  const { dim } = options;
  const guard = rebuildGuard(dim, options);
  const data = new Float32Array(description.rows * dim);
  const sourceRows = new Int32Array(description.rows);
  let count = 0;
  if (description.dim !== dim) {
    throw new InputError(`the source holds ${description.dim}-dimensional vectors, the policy says ${dim}`, {
      where: description.target,
      hint: `every row would be rejected: check --dim, or re-embed with the model that produces ${dim} dimensions`,
    });
  }
  const { firstRejected } = await guardSource(
    source,
    guard,
    ({ accepted }) => {
      if (count + accepted.count > description.rows) throw new InputError(`the source yielded more rows than the ${description.rows} it declared`, { where: description.target });
      data.set(accepted.data.subarray(0, accepted.count * dim), count * dim);
      for (let i = 0; i < accepted.count; i++) sourceRows[count + i] = accepted.ids[i] as number;
      count += accepted.count;
    },
    options.signal ? { signal: options.signal } : {},
  );
  return { dim, count, data: data.subarray(0, count * dim), sourceRows: sourceRows.subarray(0, count), totals: guard.totals(), firstRejected };
}
