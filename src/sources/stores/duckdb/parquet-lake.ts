import { basename } from 'node:path';
import { InputError, VectorclinicError } from '../../../errors.js';
import { openDuckdbInMemory, quoteLiteral, type DuckdbSession } from '../../../engines/duckdb/session.js';
import { parseVectorType, type DuckdbVectorType } from '../../../engines/duckdb/vector-type.js';
import { quoteIdentifier } from '../../../engines/duckdb/session.js';
import { embeddingNameRank } from '../../files/embedding-names.js';
import { loadDriver } from '../../../engines/drivers.js';
import { DuckdbSource, type DuckdbPart } from './source.js';

interface DescribedColumn {
  column_name: string;
  column_type: string;
}

/**
 * Parquet files (one, or a lake's shards in the file-set order the in-process reader uses) read
 * by DuckDB: read_parquet per file in that order, so row numbers and per-file segments (the
 * mixed-norm-shards and mixed-models findings) are the same as without --engine.
 */
export async function openParquetWithDuckdb(target: string, files: readonly string[], options: { readonly field?: string }, extraNotes: readonly string[] = []): Promise<DuckdbSource> {
  const driver = await loadDriver('@duckdb/node-api', target);
  const session = await openDuckdbInMemory(driver);
  try {
    const typed: { path: string; type: DuckdbVectorType; name: string }[] = [];
    for (const path of files) typed.push({ path, ...(await vectorColumnOf(session, path, options.field)) });
    const first = typed[0];
    if (!first) throw new InputError('no Parquet files found', { where: target, hint: 'point at a Parquet file, a directory of them or a quoted glob such as "lake/*.parquet"' });
    const names = new Set(typed.map((part) => part.name));
    if (names.size > 1) {
      throw new InputError(`the files hold their vectors in different columns (${[...names].join(', ')})`, { where: target, hint: 'choose one with --field' });
    }
    const parts: DuckdbPart[] = typed.map((part) => ({
      from: `read_parquet(${quoteLiteral(part.path)}, file_row_number = true)`,
      position: 'file_row_number',
      type: part.type,
      ...(files.length > 1 ? { segment: basename(part.path) } : {}),
    }));
    const column = quoteIdentifier(first.name);
    const notes = [
      ...(files.length > 1 ? [`${files.length} files read as one store, in name order`] : []),
      `read by DuckDB ${driver.version()} (--engine duckdb): read_parquet streams the column ${first.name} and computes the per-row facts`,
      ...extraNotes,
    ];
    return new DuckdbSource(
      session,
      {
        kind: 'parquet',
        name: files.length > 1 ? `${files.length} Parquet files` : basename(first.path),
        // Rows are named by file and row number in the listings (zero rows) of the aggregate.
        key: `concat(parse_filename(filename), ':', file_row_number)`,
        column,
        parts,
        whole: `read_parquet([${files.map(quoteLiteral).join(', ')}], union_by_name = true, filename = true, file_row_number = true)`,
        storage: typed.every((part) => part.type.element === 'float64') ? 'float64' : 'float32',
        notes,
      },
      target,
    );
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
}

/** The vector column of one file: --field, else the only float-list column, else the one with an embedding-like name. */
async function vectorColumnOf(session: DuckdbSession, path: string, field: string | undefined): Promise<{ type: DuckdbVectorType; name: string }> {
  let columns: DescribedColumn[];
  try {
    columns = await session.rows<DescribedColumn>(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(path)})`);
  } catch (error) {
    if (VectorclinicError.isInstance(error)) throw error;
    throw new InputError(`DuckDB cannot read this Parquet file: ${firstLine(error)}`, { where: path, hint: 'the file is corrupt or truncated; re-export it', cause: error });
  }
  const listing = columns.map((column) => `${column.column_name} ${column.column_type}`).join(', ');
  const vectors = columns.flatMap((column) => {
    const type = parseVectorType(column.column_type);
    return type ? [{ name: column.column_name, type }] : [];
  });
  if (field !== undefined) {
    const named = vectors.find((column) => column.name === field);
    if (named) return named;
    const other = columns.find((column) => column.column_name === field);
    throw new InputError(other ? `column '${field}' is ${other.column_type}, not a list of float32/float64` : `no column '${field}' (columns: ${listing})`, {
      where: path,
      hint: 'vectors must be stored as FixedSizeList<float> or List<float>; cast the column before writing',
    });
  }
  if (vectors.length === 0)
    throw new InputError(`no column holds a list of floats (columns: ${listing})`, { where: path, hint: 'vectors must be stored as FixedSizeList<float> or List<float>; name another column with --field' });
  if (vectors.length === 1) return vectors[0] as { type: DuckdbVectorType; name: string };
  const ranked = vectors.filter((column) => embeddingNameRank(column.name) >= 0).sort((a, b) => embeddingNameRank(a.name) - embeddingNameRank(b.name));
  if (!ranked[0]) throw new InputError(`several columns hold vectors (${vectors.map((column) => column.name).join(', ')})`, { where: path, hint: 'choose one with --field' });
  return ranked[0];
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}
