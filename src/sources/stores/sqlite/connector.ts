import { readSqliteCatalog } from '../../../engines/sqlite/catalog.js';
import { openSqliteFile } from '../../../engines/sqlite/session.js';
import type { StoreConnector } from '../../source.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { parsePathUrl } from '../../../engines/store-url.js';
import { SqliteSource } from './source.js';

/**
 * sqlite://PATH?table=T&column=C: a SQLite file (relative `sqlite://./app.db`, absolute
 * `sqlite:///abs/app.db`) holding sqlite-vec vec0 tables, libsql F32_BLOB columns or float32 BLOBs.
 */
export const SQLITE_CONNECTOR: StoreConnector = {
  schemes: ['sqlite'],
  example: 'sqlite://./app.db?table=T&column=C',
  async open(target: string, options) {
    const { path, params, shown } = parsePathUrl(target, 'sqlite');
    params.expectOnly(['table', 'column']);
    const session = await openSqliteFile(path, { shown });
    try {
      const catalog = await readSqliteCatalog(session, { table: params.get('table'), column: params.get('column') }, shown);
      return new SqliteSource(session, catalog, shown, { metric: options.metric });
    } catch (error) {
      await session.close();
      throw storeFailure(shown, 'read the table catalog', error);
    }
  },
};
