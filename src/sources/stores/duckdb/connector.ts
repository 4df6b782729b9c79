import { existsSync, statSync } from 'node:fs';
import { InputError } from '../../../errors.js';
import { readDuckdbCatalog, type DuckdbTableCatalog } from '../../../engines/duckdb/catalog.js';
import { openDuckdbReadOnly, type DuckdbSession } from '../../../engines/duckdb/session.js';
import type { SourceOptions, StoreConnector } from '../../source.js';
import { loadDriver } from '../../../engines/drivers.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { parsePathUrl } from '../../../engines/store-url.js';
import { TABLE_PARAMS, tableChoiceOf } from '../../../engines/pgvector/table-params.js';
import { describeDuckdbError } from '../../../engines/duckdb/errors.js';
import { DuckdbSource, type DuckdbRelation } from './source.js';

/** duckdb://PATH?table=T&column=C (PATH relative, duckdb://./app.duckdb, or absolute, duckdb:///abs/app.duckdb). */
export const DUCKDB_CONNECTOR: StoreConnector = {
  schemes: ['duckdb'],
  example: 'duckdb://PATH?table=T&column=C',
  open: openDuckdb,
};

/** Open a DuckDB database file READ_ONLY and read its catalog now (a missing table fails here, before any row). */
export async function openDuckdb(target: string, options: SourceOptions = {}): Promise<DuckdbSource> {
  const { path, params, shown } = parsePathUrl(target, 'duckdb');
  params.expectOnly(TABLE_PARAMS);
  const choice = tableChoiceOf(params, shown);
  // DuckDB creates a missing database file: look first, so a typo never writes to the disk.
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new InputError(`no DuckDB database file ${path}`, {
      where: shown,
      hint: 'duckdb://PATH?table=T: PATH is the file passed to DuckDBInstance.create() (relative: duckdb://./app.duckdb, absolute: duckdb:///data/app.duckdb)',
    });
  }
  const driver = await loadDriver('@duckdb/node-api', shown);
  let session: DuckdbSession | undefined;
  try {
    session = await openDuckdbReadOnly(driver, path);
    const catalog = await readDuckdbCatalog(session, choice, shown);
    return new DuckdbSource(session, tableRelation(catalog, driver.version()), shown, options.metric);
  } catch (error) {
    await session?.close().catch(() => undefined);
    throw storeFailure(shown, 'open the DuckDB database', error, describeDuckdbError);
  }
}

/** A table read in insertion order (rowid order); rows named by the id column, else by rowid. */
function tableRelation(catalog: DuckdbTableCatalog, version: string): DuckdbRelation {
  const { column } = catalog;
  const notes = [
    `DuckDB ${version}, column ${catalog.tableName}.${column.name} ${column.type.name}${catalog.view ? ' (a view)' : ''}${catalog.idColumn ? `, rows named by ${catalog.idColumn.name}` : catalog.view ? ', rows named by their position' : ', rows named by rowid'}`,
    'no vector index to audit: DuckDB answers vector queries here by exact scan (array_distance / array_cosine_similarity; the vss HNSW extension is not installed), so there is no recall loss to measure',
  ];
  if (column.type.fixedDim === undefined) {
    notes.push(
      `column ${column.name} is ${column.type.name}, a list of any length: the type does not hold the dimension (a FLOAT[n] column loses its length in a Parquet round trip); cast it back with ALTER TABLE … ALTER ${column.name} TYPE FLOAT[n]`,
    );
  }
  // A view has no rowid: its rows are named by the id column, else by their position in the view's output.
  const position = catalog.view ? 'row_number() OVER () - 1' : 'row_number() OVER (ORDER BY rowid) - 1';
  const rowName = catalog.idColumn?.sql ?? (catalog.view ? undefined : 'rowid');
  return {
    kind: 'duckdb',
    name: catalog.tableName,
    key: rowName ?? 'row_number() OVER () - 1',
    column: column.sql,
    parts: [{ from: catalog.relation, position, type: column.type }],
    whole: catalog.relation,
    rowName,
    ...(catalog.idColumn ? { idColumn: catalog.idColumn } : {}),
    storage: column.type.element,
    notes,
    manifestColumn: catalog.view ? undefined : { schema: catalog.schema, table: catalog.table, column: column.name, shown: `${catalog.tableName}.${column.name}` },
  };
}
