import type { DeletedRowFacts } from '../../source.js';
import type { PgvectorCatalog, PgvectorIndex } from '../../../engines/pgvector/catalog.js';
import { toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';

interface TableStats {
  live: unknown;
  dead: unknown;
  deleted: unknown;
  updated: unknown;
  last_vacuum: string | Date | null;
  last_autovacuum: string | Date | null;
  index_bytes: unknown;
  index_tuples: unknown;
}

/**
 * Deleted and updated rows leave dead tuples in the table and their entries in a vector index until
 * VACUUM: an HNSW or IVFFlat scan still visits those entries, and a LIMIT query whose candidates are
 * mostly dead returns fewer rows (pgvector#244). Counted by Postgres itself (pg_stat_user_tables).
 */
export async function readDeadTuples(session: SqlSession, catalog: PgvectorCatalog, index: PgvectorIndex | undefined, liveRows: number): Promise<DeletedRowFacts> {
  const [stats] = await session.query<TableStats>(
    `SELECT s.n_live_tup AS live, s.n_dead_tup AS dead, s.n_tup_del AS deleted, s.n_tup_upd AS updated, s.last_vacuum, s.last_autovacuum,
            ${index ? 'pg_relation_size($2::oid)' : 'NULL'} AS index_bytes, ${index ? '(SELECT reltuples FROM pg_class WHERE oid = $2::oid)' : 'NULL'} AS index_tuples
       FROM pg_stat_user_tables s WHERE s.relid = $1::oid`,
    index ? [catalog.oid, index.oid] : [catalog.oid],
  );
  const cleanup = index
    ? `VACUUM (ANALYZE) ${catalog.tableName}; after many deletes, REINDEX INDEX CONCURRENTLY ${index.name} first (pgvector: vacuuming a large HNSW index is slow, rebuilding it is faster), and check that autovacuum runs on this table`
    : `VACUUM (ANALYZE) ${catalog.tableName}, and check that autovacuum runs on this table`;
  const cleanupAt = { share: 0.2, rule: "Postgres's autovacuum (autovacuum_vacuum_scale_factor 0.2)" };
  if (!stats) {
    return {
      method: 'pg_stat_user_tables',
      liveRows,
      deletedRows: null,
      facts: {},
      cleanup,
      cleanupAt,
      unavailable: 'the statistics views have no row for this table (statistics collection off, or the table is not a plain table)',
    };
  }
  const time = (value: string | Date | null): string | null => (value === null ? null : value instanceof Date ? value.toISOString() : String(value));
  const indexTuples = stats.index_tuples === null ? null : toCount(stats.index_tuples);
  const dead = toCount(stats.dead);
  // The index held `indexTuples` entries at its build or last vacuum; rows added since only add entries, so fewer live rows now means at least the difference are dead entries.
  const staleEntries = indexTuples !== null && indexTuples > liveRows ? Math.round(indexTuples - liveRows) : 0;
  return {
    method:
      staleEntries > dead
        ? `index ${index?.name} held ${indexTuples} entries at its build or last vacuum (pg_class.reltuples) and the table now holds ${liveRows} live rows: at least ${staleEntries} entries are dead (pg_stat_user_tables counts ${dead} dead tuples: statistics reset or not flushed yet)`
        : 'pg_stat_user_tables (n_dead_tup: dead tuples Postgres counted since the last vacuum)',
    liveRows,
    deletedRows: Math.max(dead, staleEntries),
    facts: {
      deadTuples: dead,
      liveTuples: toCount(stats.live),
      deletedSinceStatsReset: toCount(stats.deleted),
      updatedSinceStatsReset: toCount(stats.updated),
      lastVacuum: time(stats.last_vacuum),
      lastAutovacuum: time(stats.last_autovacuum),
      ...(index ? { index: index.name, indexBytes: toCount(stats.index_bytes), indexTuplesAtLastVacuumOrBuild: indexTuples !== null && indexTuples >= 0 ? indexTuples : null } : {}),
    },
    cleanup,
    cleanupAt,
  };
}
