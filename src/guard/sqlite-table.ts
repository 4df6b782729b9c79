import type { Metric } from '../core/policy.js';
import { readSqliteCatalog } from '../engines/sqlite/catalog.js';
import { keySql } from '../engines/sqlite/search-sql.js';
import { type LibsqlDatabase, SqliteSession } from '../engines/sqlite/session.js';
import { vectorBlob } from '../engines/sqlite/vector-sql.js';
import { UsageError } from '../errors.js';
import { createGuard } from './guard.js';
import type { BatchOptions, GuardBatch, GuardResult, GuardSettings, GuardTotals, RowId, UnreadableRow } from './types.js';

export interface SqliteGuardOptions extends Omit<GuardSettings, 'dim' | 'metric' | 'knownIds'> {
  readonly table: string;
  readonly column?: string;
  /** Required for plain BLOB columns; must agree with a vec0 / F32_BLOB declaration. */
  readonly dim?: number;
  /** The model's metric; must agree with the vec0 distance_metric or the libsql index metric. */
  readonly metric?: Metric;
}

export interface SqliteTableGuard {
  /** Check a batch and insert the rows that pass, in one transaction (a savepoint inside the caller's), under their ids; returns what was refused and why. */
  insert(batch: GuardBatch, ids: readonly RowId[]): GuardResult;
  /** What `insert` would accept and refuse, writing nothing (the ids it accepts count as taken from then on). */
  check(batch: GuardBatch, ids: readonly RowId[]): GuardResult;
  /** The policy the table imposes: its dimension and metric, and whether its keys are integers (rowid, INTEGER PRIMARY KEY, a vec0 integer key). */
  readonly dim: number;
  readonly metric: Metric;
  readonly integerKeys: boolean;
  /** The largest integer key stored (0 for an empty table; new rows may be numbered after it). */
  readonly largestKey: number;
  /** Refuse rows the reader could not decode (counted and quarantined, never inserted). */
  refuseUnreadable(rows: readonly UnreadableRow[], options?: Pick<BatchOptions, 'batchId'>): GuardResult;
  /** What the guard has counted so far. */
  totals(): GuardTotals;
  /** The table and column guarded. */
  readonly table: string;
  readonly column: string;
}

/**
 * A guard in front of inserts into a SQLite vector table (sqlite-vec vec0, libsql F32_BLOB, float32
 * BLOB) on the application's open libsql connection. The policy comes from the table: its declared
 * dimension and the metric of its vec0 table or libsql index (a conflicting option is an error), and
 * the ids already stored are refused rather than overwritten. Rows that pass are normalized for
 * cosine and written; the others never reach the table.
 */
export async function guardSqliteTable(db: LibsqlDatabase, options: SqliteGuardOptions): Promise<SqliteTableGuard> {
  const where = `guardSqliteTable(${options.table})`;
  const session = new SqliteSession(db, true);
  const catalog = await readSqliteCatalog(session, { table: options.table, ...(options.column ? { column: options.column } : {}) }, where);
  const { column } = catalog;
  const declaredDim = column.declaredDim > 0 ? column.declaredDim : undefined;
  if (declaredDim && options.dim && options.dim !== declaredDim) throw new UsageError(`dim ${options.dim} disagrees with the column's declared ${declaredDim}`, { where });
  const dim = declaredDim ?? options.dim;
  if (!dim) throw new UsageError(`column ${column.column} declares no dimension: give dim`, { where });
  const tableMetric = column.kind === 'vec0' ? column.vec0Metric : column.index?.metric;
  const known: Metric | undefined = tableMetric === 'other' ? undefined : tableMetric;
  if (known && options.metric && options.metric !== known) {
    throw new UsageError(`metric ${options.metric} disagrees with the table's ${known} (${column.kind === 'vec0' ? 'vec0 distance_metric' : `index ${column.index?.name}`})`, {
      where,
      hint: 'rebuild the table for the model’s metric, or correct the option',
    });
  }
  const metric = options.metric ?? known;
  if (!metric) throw new UsageError(`the table records no metric: give metric`, { where });
  const key = keySql(catalog);
  const keyName = column.keyColumn ?? 'rowid';
  const stored = await session.query<{ k: unknown }>(`SELECT CAST(${key} AS TEXT) AS k FROM ${catalog.relation}`);
  const { table: _table, column: _column, dim: _dim, metric: _metric, ...settings } = options;
  const guard = createGuard({ ...settings, dim, metric, knownIds: stored.map((row) => String(row.k)) } as Parameters<typeof createGuard>[0]);
  const integerKeys = await hasIntegerKeys(session, catalog.column.table, catalog.column.keyColumn);
  const largestKey = integerKeys ? Number((await session.query<{ m: unknown }>(`SELECT coalesce(max(${key}), 0) AS m FROM ${catalog.relation}`))[0]?.m ?? 0) : 0;
  const insert = db.prepare(`INSERT INTO ${catalog.relation}(${keyName === 'rowid' ? 'rowid' : `"${keyName.replace(/"/g, '""')}"`}, ${catalog.columnSql}) VALUES (?1, ?2)`);
  return {
    dim,
    metric,
    integerKeys,
    largestKey,
    table: column.table,
    column: column.column,
    check: (batch, ids) => guard.check(batch, { ids }),
    totals: () => guard.totals(),
    refuseUnreadable: (rows, options) => guard.refuseUnreadable(rows, options),
    insert(batch, ids) {
      const result = guard.check(batch, { ids });
      const { accepted } = result;
      // Inside the caller's transaction a savepoint, so a failed batch leaves the earlier ones to the caller.
      const nested = db.inTransaction === true;
      db.exec(nested ? 'SAVEPOINT vectorclinic_guard' : 'BEGIN IMMEDIATE');
      try {
        for (let i = 0; i < accepted.count; i++) {
          const id = accepted.ids[i] as RowId;
          insert.run([typeof id === 'number' ? BigInt(id) : id, vectorBlob(accepted.data.slice(i * dim, (i + 1) * dim))]);
        }
        db.exec(nested ? 'RELEASE vectorclinic_guard' : 'COMMIT');
      } catch (error) {
        db.exec(nested ? 'ROLLBACK TO vectorclinic_guard; RELEASE vectorclinic_guard' : 'ROLLBACK');
        throw error;
      }
      return result;
    },
  };
}

/** Integer keys: the rowid, an INTEGER PRIMARY KEY, or a vec0 primary key not declared text. */
async function hasIntegerKeys(session: SqliteSession, table: string, keyColumn: string | undefined): Promise<boolean> {
  if (!keyColumn) return true;
  const [row] = await session.query<{ sql: string | null }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [table]);
  const name = keyColumn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return !new RegExp(`["\`\\[]?${name}["\`\\]]?\\s+text\\s+primary\\s+key`, 'i').test(row?.sql ?? '');
}
