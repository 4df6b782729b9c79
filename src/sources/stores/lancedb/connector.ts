import type { Connection, Table } from '@lancedb/lancedb';
import type { Field } from 'apache-arrow';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, StoreError, UsageError } from '../../../errors.js';
import type { SourceOptions, StorageType, StoreConnector } from '../../source.js';
import { loadDriver } from '../../../engines/drivers.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { parsePathUrl } from '../../../engines/store-url.js';
import { LancedbSource, type LanceVectorColumn } from './source.js';

/** lancedb://PATH/TABLE: PATH the database directory (relative or absolute), TABLE its last segment. */
export const LANCEDB_CONNECTOR: StoreConnector = {
  schemes: ['lancedb'],
  example: 'lancedb://PATH/TABLE',
  open: openLancedb,
};

/** Open lancedb://PATH/TABLE; `engineExactMaxRows` moves the switch to the one-pass exact scan (tests compare both paths). */
export async function openLancedb(target: string, _options: SourceOptions, tuning: { readonly engineExactMaxRows?: number } = {}): Promise<LancedbSource> {
  const { path, params, shown } = parsePathUrl(target, 'lancedb');
  params.expectOnly(['column']);
  const { connect } = await loadDriver('@lancedb/lancedb', shown);
  const trimmed = path.replace(/\/+$/, '');
  const tableName = basename(trimmed).replace(/\.lance$/, '');
  const databaseDir = resolve(dirname(trimmed));
  // connect() creates a missing directory: check first, so a typo never writes to the disk.
  if (!existsSync(databaseDir) || !statSync(databaseDir).isDirectory()) {
    throw new InputError(`no LanceDB database directory ${dirname(trimmed)}`, { where: shown, hint: 'lancedb://PATH/TABLE: PATH is the directory passed to lancedb.connect(), TABLE the table name' });
  }
  let connection: Connection | undefined;
  let table: Table | undefined;
  try {
    connection = await connect(databaseDir);
    const names = await connection.tableNames();
    if (!names.includes(tableName)) {
      throw new StoreError(`no table '${tableName}' in ${dirname(trimmed)}`, { where: shown, hint: names.length ? `tables here: ${names.slice(0, 20).join(', ')}` : 'this directory holds no LanceDB table' });
    }
    table = await connection.openTable(tableName);
    const column = vectorColumn((await table.schema()).fields, params.get('column') ?? undefined, shown);
    const tableDir = join(databaseDir, `${tableName}.lance`);
    const index = await LancedbSource.describeIndex(table, tableDir, column.name);
    return new LancedbSource({ connection, table, column, target: shown, indexFacts: index, engineExactMaxRows: tuning.engineExactMaxRows });
  } catch (error) {
    table?.close();
    connection?.close();
    throw storeFailure(shown, 'open the LanceDB table', error);
  }
}

const STORAGE_BY_FLOAT: Readonly<Record<string, StorageType>> = { Float16: 'float16', Float32: 'float32', Float64: 'float64' };

/** The FixedSizeList<float> column to check: ?column=, or the only one there is. */
function vectorColumn(fields: readonly Field[], named: string | undefined, target: string): LanceVectorColumn {
  const vectors = fields.flatMap((field): LanceVectorColumn[] => {
    const type = field.type as { listSize?: number; children?: { type: { toString(): string } }[] };
    const child = String(type.children?.[0]?.type ?? '');
    const storage = STORAGE_BY_FLOAT[child];
    return String(field.type).startsWith('FixedSizeList') && storage && type.listSize ? [{ name: field.name, dim: type.listSize, storage }] : [];
  });
  const listing = vectors.map((column) => `${column.name} (${column.dim})`).join(', ') || 'none';
  if (named !== undefined) {
    const found = vectors.find((column) => column.name === named);
    if (found) return found;
    const exists = fields.some((field) => field.name === named);
    throw new StoreError(exists ? `column ${named} is not a fixed-size float vector column` : `no column ${named}`, { where: target, hint: `vector columns: ${listing}` });
  }
  if (vectors.length === 1) return vectors[0] as LanceVectorColumn;
  if (vectors.length === 0) throw new StoreError('the table has no fixed-size float vector column', { where: target, hint: `columns: ${fields.map((f) => `${f.name} ${String(f.type)}`).join(', ')}` });
  throw new UsageError(`${vectors.length} vector columns: say which with ?column=`, { where: target, hint: `vector columns: ${listing}` });
}
