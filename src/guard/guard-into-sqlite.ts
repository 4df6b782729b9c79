import type { Metric } from '../core/policy.js';
import { openSqliteFile } from '../engines/sqlite/session.js';
import { parsePathUrl } from '../engines/store-url.js';
import { storeFailure } from '../engines/store-errors.js';
import { UsageError } from '../errors.js';
import { documentIdsFor, type DocumentIds } from '../manifest/document-ids.js';
import { readManifest } from '../manifest/manifest.js';
import { openSource } from '../sources/open-source.js';
import { REJECTED_LISTED, refuseBlockIssues } from './guard-source.js';
import { guardSqliteTable, type SqliteTableGuard } from './sqlite-table.js';
import type { GuardTotals, RejectedRow, RowId } from './types.js';

export interface GuardIntoSqliteOptions {
  readonly input: string;
  /** sqlite://PATH?table=T[&column=C]: an existing vector table. */
  readonly out: string;
  readonly dim: number;
  readonly metric: Metric;
  /** Insert the accepted rows; without it nothing is written (the counts are what an insert would do). */
  readonly apply: boolean;
  readonly normalize?: boolean;
  readonly quarantine?: string;
  readonly rejectDuplicates?: boolean;
  /** JSONL with each input row's key in the table (field `idField`); integer-keyed tables number new rows after their largest key without it. */
  readonly ids?: string;
  readonly idField?: string;
}

export interface GuardIntoSqliteResult {
  readonly input: string;
  /** The table, as shown (no secrets). */
  readonly out: string;
  readonly mode: 'plan' | 'apply';
  readonly table: string;
  readonly column: string;
  /** Rows inserted (0 in a plan). */
  readonly inserted: number;
  /** Where each row's key came from. */
  readonly keys: string;
  readonly totals: GuardTotals;
  readonly firstRejected: readonly RejectedRow[];
  readonly quarantine?: string;
}

/**
 * Guard a vector file into an existing SQLite vector table (vec0, F32_BLOB, float32 BLOB): the
 * table's dimension and metric are the policy (--dim / --metric must agree), keys already stored are
 * refused, bad rows never reach the table. With `apply`, every accepted row goes in within ONE write
 * transaction (all or nothing); without it the file is opened read-only and nothing is written.
 */
export async function guardIntoSqlite(options: GuardIntoSqliteOptions): Promise<GuardIntoSqliteResult> {
  const { path, params, shown } = parsePathUrl(options.out, 'sqlite');
  params.expectOnly(['table', 'column']);
  const table = params.get('table');
  if (!table) throw new UsageError('name the table to insert into with ?table=', { where: shown, hint: 'e.g. --out "sqlite://./app.db?table=docs"' });
  const source = await openSource(options.input, { metric: options.metric });
  try {
    const description = await source.describe();
    const documentIds = documentIdsFor(readManifest(options.input), description.rows, options).ids;
    const session = await openSqliteFile(path, { shown, write: options.apply, loadVec: true });
    let inTransaction = false;
    try {
      const column = params.get('column');
      const guard = await guardSqliteTable(session.db, {
        table,
        ...(column ? { column } : {}),
        dim: options.dim,
        metric: options.metric,
        ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
        ...(options.apply && options.quarantine ? { onBad: 'quarantine' as const, quarantine: options.quarantine } : { onBad: 'reject' as const }),
        duplicates: options.rejectDuplicates ? 'reject' : 'flag',
      });
      if (options.apply) {
        session.run('BEGIN IMMEDIATE');
        inTransaction = true;
      }
      const keyOf = keysFor(guard, documentIds, shown);
      const firstRejected: RejectedRow[] = [];
      let inserted = 0;
      for await (const block of source.scan()) {
        const ids = Array.from({ length: block.count }, (_, i) => keyOf.key(block.rows ? (block.rows[i] as number) : block.start + i));
        const batch = { data: block.data, rows: block.count, dim: block.dim };
        const result = options.apply ? guard.insert(batch, ids) : guard.check(batch, ids);
        if (options.apply) inserted += result.accepted.count;
        for (const row of result.rejected) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
        for (const row of refuseBlockIssues(block, guard, (r) => keyOf.key(r))) if (firstRejected.length < REJECTED_LISTED) firstRejected.push(row);
      }
      if (inTransaction) {
        session.run('COMMIT');
        inTransaction = false;
      }
      return {
        input: description.target,
        out: shown,
        mode: options.apply ? 'apply' : 'plan',
        table: guard.table,
        column: guard.column,
        inserted,
        keys: keyOf.origin,
        totals: guard.totals(),
        firstRejected,
        ...(options.apply && options.quarantine ? { quarantine: options.quarantine } : {}),
      };
    } catch (error) {
      if (inTransaction) session.run('ROLLBACK');
      throw storeFailure(shown, options.apply ? 'insert the guarded rows' : 'read the table', error);
    } finally {
      await session.close();
    }
  } finally {
    await source.close();
  }
}

interface KeySource {
  key(row: number): RowId;
  readonly origin: string;
}

/** Each input row's key: its id from --ids (integers for integer-keyed tables), else the next free integer key. */
function keysFor(guard: SqliteTableGuard, documentIds: DocumentIds['ids'], shown: string): KeySource {
  if (documentIds) {
    return {
      origin: '--ids',
      key: (row) => {
        const id = documentIds[row]?.[0] as string;
        if (!guard.integerKeys) return id;
        const number = Number(id);
        if (!Number.isSafeInteger(number))
          throw new UsageError(`id '${id}' of row ${row} is not an integer: table ${guard.table} has integer keys`, { where: '--ids', hint: 'give integer ids, or insert into a table with a text key' });
        return number;
      },
    };
  }
  if (!guard.integerKeys) throw new UsageError(`table ${guard.table} has text keys: give each row's key with --ids`, { where: shown, hint: '--ids ids.jsonl (one {"id": …} per input row)' });
  const after = guard.largestKey;
  return { origin: `new integer keys after the largest stored one (${after})`, key: (input) => after + 1 + input };
}
