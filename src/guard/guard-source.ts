import type { RowBlock, VectorSource } from '../sources/source.js';
import type { Guard, GuardResult, RejectedRow, RowId } from './types.js';

/** Rejected rows kept for the report; the counts cover all of them. */
export const REJECTED_LISTED = 20;

/**
 * Stream every block of a source through a guard, with source row numbers as ids and the row
 * range as batch id; rows the reader could not decode are refused too (`refuseUnreadable`), and
 * the rejected rows listed are named by source row. `onBlock` receives each result before the next block is read: `accepted.data`
 * is reused for the next block (it is the reader's block buffer or this loop's output buffer).
 */
export async function guardSource(
  source: VectorSource,
  guard: Guard,
  onBlock: (result: GuardResult) => void = () => undefined,
  options: {
    readonly signal?: AbortSignal;
    /** Rows whose vector is NULL are counted, not refused: an in-place store rebuild keeps them as they are (they need embedding). */
    readonly keepNulls?: boolean;
  } = {},
): Promise<{ readonly firstRejected: readonly RejectedRow[]; readonly nullsKept: number }> {
  const { signal, keepNulls } = options;
  const firstRejected: RejectedRow[] = [];
  let nullsKept = 0;
  // One output buffer for every block: each result is consumed before the next block is read.
  let into = new Float32Array(0);
  for await (const block of source.scan(signal ? { signal } : {})) {
    const ids = Array.from({ length: block.count }, (_, i) => (block.rows ? (block.rows[i] as number) : block.start + i));
    if (into.length < block.count * block.dim) into = new Float32Array(block.count * block.dim);
    const result = guard.check({ data: block.data, rows: block.count, dim: block.dim }, { ids, batchId: `rows ${block.start}..${block.start + block.count - 1}`, into });
    // The guard numbers rows within the block; the report names them by source row (their id here).
    for (const row of result.rejected) if (firstRejected.length < REJECTED_LISTED) firstRejected.push({ ...row, row: row.id as number });
    onBlock(result);
    const nulls = keepNulls ? (block.issues?.filter((issue) => issue.kind === 'null').length ?? 0) : 0;
    nullsKept += nulls;
    const refused = nulls > 0 ? { ...block, issues: block.issues?.filter((issue) => issue.kind !== 'null') } : block;
    for (const row of refuseBlockIssues(refused, guard)) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
  }
  return { firstRejected, nullsKept };
}

/**
 * Rows of a block the reader could not decode were ingested too: refused with the reader's reason,
 * never dropped unseen. `idOf` maps a source row number to the id the caller files rows under.
 */
export function refuseBlockIssues(block: RowBlock, guard: Pick<Guard, 'refuseUnreadable'>, idOf: (row: number) => RowId = (row) => row): readonly RejectedRow[] {
  if (!block.issues?.length) return [];
  const rows = block.issues.map((issue) => ({ row: issue.row, id: idOf(issue.row), kind: issue.kind, detail: issue.detail, length: issue.length }));
  return guard.refuseUnreadable(rows, { batchId: 'unreadable rows' }).rejected;
}
