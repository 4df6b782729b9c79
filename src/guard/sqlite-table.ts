import type { Metric } from '../core/policy.js';
import { readSqliteCatalog } from '../engines/sqlite/catalog.js';
import { keySql } from '../engines/sqlite/search-sql.js';
import { type LibsqlDatabase, SqliteSession } from '../engines/sqlite/session.js';
import { vectorBlob } from '../engines/sqlite/vector-sql.js';
import { UsageError } from '../errors.js';
import { createGuard } from './guard.js';
import type { GuardBatch, GuardResult, GuardSettings, RowId } from './types.js';

export interface SqliteGuardOptions extends Omit<GuardSettings, 'dim' | 'metric' | 'knownIds'> {
  readonly table: string;
  readonly column?: string;
  /** Required for plain BLOB columns; must agree with a vec0 / F32_BLOB declaration. */
  readonly dim?: number;
  /** The model's metric; must agree with the vec0 distance_metric or the libsql index metric. */
  readonly metric?: Metric;
}

export interface SqliteTableGuard {
  /** Check a batch and insert the rows that pass, in one transaction, under their ids; returns what was refused and why. */
  insert(batch: GuardBatch, ids: readonly RowId[]): GuardResult;
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
  const insert = db.prepare(`INSERT INTO ${catalog.relation}(${keyName === 'rowid' ? 'rowid' : `"${keyName.replace(/"/g, '""')}"`}, ${catalog.columnSql}) VALUES (?1, ?2)`);
  return {
    insert(batch, ids) {
      const result = guard.check(batch, { ids });
      const { accepted } = result;
      db.exec('BEGIN IMMEDIATE');
      try {
        for (let i = 0; i < accepted.count; i++) {
          const id = accepted.ids[i] as RowId;
          insert.run([typeof id === 'number' ? BigInt(id) : id, vectorBlob(accepted.data.slice(i * dim, (i + 1) * dim))]);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      return result;
    },
  };
}
