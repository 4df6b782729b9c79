import type { Metric } from '../../../core/policy.js';
import type { SourceOptions } from '../../formats.js';
import type { StoreConnector } from '../../stores.js';
import { storeFailure } from '../store-errors.js';
import { parsePathUrl, parsePostgresUrl, redactTarget, rejectUnknownParams } from '../store-url.js';
import { readCatalog, type TableChoice } from './catalog.js';
import { CONNECTION_PARAMS, connectPostgres } from './pg-session.js';
import { openPgliteDirectory } from './pglite-session.js';
import { describePostgresError } from './postgres-errors.js';
import { PgvectorSource, type PgvectorSourceOptions } from './source.js';
import type { SqlSession } from './sql-session.js';

/** URL parameters naming what to check (the rest configure the connection). */
const TABLE_PARAMS = ['table', 'column', 'id'];

/** postgres://user[:password]@host[:port]/db?table=T&column=C (also postgresql://). */
export const POSTGRES_CONNECTOR: StoreConnector = {
  schemes: ['postgres', 'postgresql'],
  example: 'postgres://user@host/db?table=T&column=C',
  async open(target: string, options: SourceOptions) {
    const shown = redactTarget(target);
    const url = parsePostgresUrl(target, shown);
    rejectUnknownParams(url.searchParams, [...TABLE_PARAMS, ...CONNECTION_PARAMS], target);
    const session = await connectPostgres(url, shown);
    return openPgvector(session, tableChoice(url.searchParams), shown, { ...metricOption(options.metric) });
  },
};

/** pglite://PATH?table=T&column=C: a PGlite data directory, opened as a throwaway copy. */
export const PGLITE_CONNECTOR: StoreConnector = {
  schemes: ['pglite'],
  example: 'pglite://PATH?table=T&column=C',
  async open(target: string, options: SourceOptions) {
    const shown = redactTarget(target);
    const { path, params } = parsePathUrl(target, 'pglite');
    rejectUnknownParams(params, TABLE_PARAMS, target);
    const session = await openPgliteDirectory(path, shown);
    return openPgvector(session, tableChoice(params), shown, { ...metricOption(options.metric), kind: 'pglite' });
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

function tableChoice(params: URLSearchParams): TableChoice {
  const table = params.get('table') ?? undefined;
  const column = params.get('column') ?? undefined;
  const idColumn = params.get('id') ?? undefined;
  return { ...(table ? { table } : {}), ...(column ? { column } : {}), ...(idColumn ? { idColumn } : {}) };
}

function metricOption(metric: Metric | undefined): { declaredMetric?: Metric } {
  return metric ? { declaredMetric: metric } : {};
}
