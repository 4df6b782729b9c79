import type { Metric } from '../core/policy.js';
import { InputError } from '../errors.js';
import { createGuard } from '../guard/guard.js';
import type { GuardTotals, RejectedRow } from '../guard/types.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';

/** Rows listed by id in the rebuild report; counts cover all. */
const REJECTED_LISTED = 20;

export interface LoadedRows {
  readonly dim: number;
  readonly count: number;
  /** count × dim accepted rows, L2-normalized when `normalize` was asked for. */
  readonly data: Float32Array;
  /** Source row number of each accepted row. */
  readonly sourceRows: Int32Array;
  readonly totals: GuardTotals;
  readonly firstRejected: readonly RejectedRow[];
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
  const guard = createGuard({
    dim,
    metric: options.metric,
    normalize: options.normalize,
    onBad: options.quarantine ? 'quarantine' : 'reject',
    ...(options.quarantine ? { quarantine: options.quarantine } : {}),
    // Row numbers are the ids here; they cannot repeat, so there is nothing to remember per id.
    trackIds: false,
  });
  const data = new Float32Array(description.rows * dim);
  const sourceRows = new Int32Array(description.rows);
  const firstRejected: RejectedRow[] = [];
  let count = 0;
  for await (const block of source.scan(options.signal ? { signal: options.signal } : {})) {
    if (block.dim !== dim) {
      throw new InputError(`the source holds ${block.dim}-dimensional vectors, the policy says ${dim}`, {
        where: description.target,
        hint: `every row would be rejected: check --dim, or re-embed with the model that produces ${dim} dimensions`,
      });
    }
    const ids = Array.from({ length: block.count }, (_, i) => (block.rows ? (block.rows[i] as number) : block.start + i));
    const { accepted, rejected } = guard.check({ data: block.data, rows: block.count, dim: block.dim }, { ids, batchId: `rows ${block.start}..${block.start + block.count - 1}` });
    if (count + accepted.count > description.rows) throw new InputError(`the source yielded more rows than the ${description.rows} it declared`, { where: description.target });
    data.set(accepted.data.subarray(0, accepted.count * dim), count * dim);
    for (let i = 0; i < accepted.count; i++) sourceRows[count + i] = accepted.ids[i] as number;
    count += accepted.count;
    for (const row of rejected) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
  }
  return { dim, count, data: data.subarray(0, count * dim), sourceRows: sourceRows.subarray(0, count), totals: guard.totals(), firstRejected };
}
