import { rebuildGuard, type LoadedRows, type RebuildGuardOptions } from '../../load.js';
import type { KeyedRows } from './read-table.js';

/** Rows per guard batch: the guard's report names batches, so keep them readable. */
const BATCH_ROWS = 16_384;

/**
 * The guard over rows read from a table: rejected rows are reported (and quarantined) under the
 * table's own key, so a user can find them; `sourceRows` are positions into `rows`.
 */
export function guardKeyedRows(rows: KeyedRows, options: RebuildGuardOptions): LoadedRows {
  const { dim } = rows;
  const guard = rebuildGuard(dim, options);
  const position = new Map(rows.keys.map((key, i) => [key, i]));
  const data = new Float32Array(rows.count * dim);
  const sourceRows = new Int32Array(rows.count);
  const firstRejected = [];
  let count = 0;
  for (let start = 0; start < rows.count; start += BATCH_ROWS) {
    const end = Math.min(rows.count, start + BATCH_ROWS);
    const result = guard.check({ data: rows.data.subarray(start * dim, end * dim), rows: end - start, dim }, { ids: rows.keys.slice(start, end), batchId: `keys ${rows.keys[start]}..${rows.keys[end - 1]}` });
    data.set(result.accepted.data.subarray(0, result.accepted.count * dim), count * dim);
    for (const id of result.accepted.ids) sourceRows[count++] = position.get(String(id)) as number;
    for (const rejected of result.rejected) if (firstRejected.length < 10) firstRejected.push(rejected);
  }
  return { dim, count, data: data.subarray(0, count * dim), sourceRows: sourceRows.subarray(0, count), totals: guard.totals(), firstRejected };
}
