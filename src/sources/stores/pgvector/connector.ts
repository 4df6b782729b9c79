import type { Metric } from '../../../core/policy.js';
import type { SourceOptions, StoreConnector } from '../../source.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { parsePathUrl, parseStoreUrl } from '../../../engines/store-url.js';
import { readCatalog, type TableChoice } from '../../../engines/pgvector/catalog.js';
import { CONNECTION_PARAMS, connectPostgres } from '../../../engines/pgvector/pg-session.js';
import { openPgliteDirectory } from '../../../engines/pgvector/pglite-session.js';
import { describePostgresError } from '../../../engines/pgvector/postgres-errors.js';
import { PgvectorSource, type PgvectorSourceOptions } from './source.js';
import type { SqlSession } from '../../../engines/pgvector/sql-session.js';
import { TABLE_PARAMS, tableChoiceOf } from '../../../engines/pgvector/table-params.js';

/** postgres://user[:password]@host[:port]/db?table=T&column=C (also postgresql://). */
export const POSTGRES_CONNECTOR: StoreConnector = {
  schemes: ['postgres', 'postgresql'],
  example: 'postgres://user@host/db?table=T&column=C',
  async open(target: string, options: SourceOptions) {
    const url = parseStoreUrl(target);
    url.params.expectOnly([...TABLE_PARAMS, ...CONNECTION_PARAMS]);
    const choice = tableChoiceOf(url.params, url.shown);
    const session = await connectPostgres(url);
    return openPgvector(session, choice, url.shown, { ...metricOption(options.metric) });
  },
};

/** pglite://PATH?table=T&column=C: a PGlite data directory, opened as a throwaway copy. */
export const PGLITE_CONNECTOR: StoreConnector = {
  schemes: ['pglite'],
  example: 'pglite://PATH?table=T&column=C',
  async open(target: string, options: SourceOptions) {
    const { path, params, shown } = parsePathUrl(target, 'pglite');
    params.expectOnly(TABLE_PARAMS);
    const choice = tableChoiceOf(params, shown);
    const session = await openPgliteDirectory(path, shown);
    return openPgvector(session, choice, shown, { ...metricOption(options.metric), kind: 'pglite' });
  },
};

/**
 * Check a pgvector table over any open session (a PGlite instance, a pg connection). Reads the
 * catalog now, so a missing table or column fails here, before any row is read. The session is
 * closed with the source (or now, on failure).
 */
export async function openPgvector(session: SqlSession, choice: TableChoice, target: string, options: PgvectorSourceOptions = {}): Promise<PgvectorSource> {
  try {
    const catalog = await readCatalog(session, choice, options.declaredMetric, target);
    return new PgvectorSource(session, catalog, target, options);
  } catch (error) {
    await session.close().catch(() => undefined);
    throw storeFailure(target, 'read the table catalog', error, describePostgresError);
  }
}

function metricOption(metric: Metric | undefined): { declaredMetric?: Metric } {
  return metric ? { declaredMetric: metric } : {};
}
