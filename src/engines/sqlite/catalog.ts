import type { Metric } from '../../core/policy.js';
import { InputError, UsageError } from '../../errors.js';
import { doubleQuote } from '../sql/dialect.js';
import type { SqlRunner } from '../sql/session.js';

/**
 * How a SQLite table holds its vectors:
 * - `vec0`: a sqlite-vec virtual table (`float[N]` column, `distance_metric=` option, exact KNN by MATCH);
 * - `f32-blob`: a libsql `F32_BLOB(N)` column, maybe behind a `libsql_vector_idx` (DiskANN) index;
 * - `blob`: a plain BLOB column of float32 values (dimension from the blob length).
 */
export type SqliteVectorKind = 'vec0' | 'f32-blob' | 'blob';

/** A libsql vector index (`CREATE INDEX … ON t(libsql_vector_idx(col, 'metric=cosine', …))`). */
export interface LibsqlVectorIndex {
  readonly name: string;
  readonly metric: Metric | 'other';
  /** The options as written ('metric', 'max_neighbors', 'compress_neighbors', 'search_l', …). */
  readonly options: Readonly<Record<string, string>>;
  /** True when `metric=` was not given and libsql's default (cosine) applies. */
  readonly metricDefaulted: boolean;
}

export interface SqliteVectorColumn {
  readonly table: string;
  readonly column: string;
  readonly kind: SqliteVectorKind;
  /** Declared dimension (vec0, F32_BLOB); 0 for plain BLOB columns (read from the rows). */
  readonly declaredDim: number;
  /** vec0: the table's distance_metric (default l2). */
  readonly vec0Metric?: Metric | 'other';
  /** vec0: the metric as written ('cosine', 'l2', 'L1'). */
  readonly vec0MetricName?: string;
  readonly index?: LibsqlVectorIndex;
  /**
   * The table's own id column when it has one: an INTEGER PRIMARY KEY (the rowid under its own
   * name), or a vec0 table's declared primary key (integer or text). Rows are ordered and named by it.
   */
  readonly keyColumn?: string;
  /** False when the key is not the rowid (a TEXT key of a plain table): index answers, in rowids, are mapped to it. */
  readonly keyIsRowid?: false;
}

export interface SqliteCatalog {
  readonly column: SqliteVectorColumn;
  readonly relation: string;
  readonly columnSql: string;
  /** Every vector column found, for messages and notes. */
  readonly candidates: readonly SqliteVectorColumn[];
}

export interface SqliteTableChoice {
  readonly table?: string;
  readonly column?: string;
}

interface MasterRow {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string | null;
}

/**
 * Find the vector column to check: the one named by `?table=`/`?column=`, or the only one in the
 * file. Several candidates without a choice, or none, is a usage error listing what exists.
 */
export async function readSqliteCatalog(session: SqlRunner, choice: SqliteTableChoice, shown: string): Promise<SqliteCatalog> {
  const master = await session.query<MasterRow>("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'index')");
  const candidates = await vectorColumns(session, master);
  const matches = candidates.filter((c) => (choice.table === undefined || c.table === choice.table) && (choice.column === undefined || c.column === choice.column));
  const list = candidates.map((c) => `${c.table}.${c.column} (${describeKind(c)})`).join(', ') || 'none';
  if (matches.length === 1) {
    const column = matches[0] as SqliteVectorColumn;
    return { column, relation: doubleQuote(column.table), columnSql: doubleQuote(column.column), candidates };
  }
  if (choice.table !== undefined && choice.column !== undefined) {
    const table = master.find((row) => row.type === 'table' && row.name === choice.table);
    if (!table) throw new InputError(`no table ${choice.table} in this file`, { where: shown, hint: `vector columns here: ${list}` });
    // A named column that does not look like vectors (e.g. declared TEXT): check it as a float32 BLOB column anyway.
    const columns = await tableColumns(session, choice.table);
    const named = columns.find((c) => c.name === choice.column);
    if (!named) throw new InputError(`table ${choice.table} has no column ${choice.column}`, { where: shown, hint: `its columns: ${columns.map((c) => c.name).join(', ')}` });
    // libsql's other vector types store other element formats: reading them as float32 would be garbage.
    if (/^(F64_BLOB|FLOAT64|F16_BLOB|FLOAT16|FB16_BLOB|FLOATB16|F8_BLOB|FLOAT8|F1BIT_BLOB|FLOAT1BIT)\s*\(/i.test(named.type.trim())) {
      throw new InputError(`column ${choice.table}.${choice.column} is ${named.type}: vectorclinic reads float32 vectors (F32_BLOB) from SQLite`, {
        where: shown,
        hint: 'check an export of the vectors as float32 (.npy), or store them as F32_BLOB',
      });
    }
    const column: SqliteVectorColumn = { table: choice.table, column: choice.column, kind: 'blob', declaredDim: 0, ...keyColumnOf(columns) };
    return { column, relation: doubleQuote(column.table), columnSql: doubleQuote(column.column), candidates };
  }
  if (matches.length === 0) {
    const what = choice.table ? `no vector column in table ${choice.table}${choice.column ? ` named ${choice.column}` : ''}` : 'no vector column in this file';
    throw new InputError(what, { where: shown, hint: `vector columns here: ${list}; name one with ?table=T&column=C` });
  }
  throw new UsageError(`${matches.length} vector columns match: ${matches.map((c) => `${c.table}.${c.column}`).join(', ')}`, { where: shown, hint: 'name one with ?table=T&column=C' });
}

export function describeKind(column: SqliteVectorColumn): string {
  if (column.kind === 'vec0') return `sqlite-vec vec0 float[${column.declaredDim}] distance_metric=${column.vec0MetricName ?? 'l2'}`;
  if (column.kind === 'f32-blob') return `libsql F32_BLOB(${column.declaredDim})${column.index ? `, index ${column.index.name}` : ''}`;
  return 'float32 BLOB';
}

interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly pk: number;
  readonly notnull: number;
}

async function tableColumns(session: SqlRunner, table: string): Promise<ColumnInfo[]> {
  return session.query<ColumnInfo>('SELECT name, type, pk, "notnull" FROM pragma_table_info(?1)', [table]);
}

/**
 * The table's ids: an INTEGER PRIMARY KEY column (the rowid under its own name), or another one-column
 * primary key declared NOT NULL (SQLite lets NULL into other primary keys: such a column cannot name rows).
 */
function keyColumnOf(columns: readonly ColumnInfo[]): { keyColumn?: string; keyIsRowid?: false } {
  const keys = columns.filter((c) => c.pk > 0);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (!only) return {};
  if (only.type.toUpperCase() === 'INTEGER') return { keyColumn: only.name };
  return Number(only.notnull) === 1 ? { keyColumn: only.name, keyIsRowid: false } : {};
}

async function vectorColumns(session: SqlRunner, master: readonly MasterRow[]): Promise<SqliteVectorColumn[]> {
  const found: SqliteVectorColumn[] = [];
  const vec0 = master.filter((row) => row.type === 'table' && /^\s*CREATE\s+VIRTUAL\s+TABLE\b[\s\S]*\bUSING\s+vec0\s*\(/i.test(row.sql ?? ''));
  for (const row of vec0) found.push(...parseVec0(row.name, row.sql as string));
  const shadow = (name: string): boolean => vec0.some((v) => name.startsWith(`${v.name}_`)) || name === 'libsql_vector_meta_shadow' || name.endsWith('_shadow') || name.startsWith('sqlite_');
  const indexes = master.filter((row) => row.type === 'index' && /libsql_vector_idx\s*\(/i.test(row.sql ?? ''));
  for (const row of master) {
    if (row.type !== 'table' || shadow(row.name) || vec0.includes(row)) continue;
    const columns = await tableColumns(session, row.name);
    const alias = keyColumnOf(columns);
    for (const column of columns) {
      const f32 = /^(?:F32_BLOB|FLOAT32)\s*\(\s*(\d+)\s*\)$/i.exec(column.type.trim());
      if (f32) {
        const index = indexes
          .filter((ix) => ix.tbl_name === row.name)
          .map((ix) => parseLibsqlIndex(ix, column.name))
          .find((ix) => ix !== undefined);
        found.push({ table: row.name, column: column.name, kind: 'f32-blob', declaredDim: Number(f32[1]), ...alias, ...(index ? { index } : {}) });
      } else if (column.type.trim().toUpperCase() === 'BLOB' && (await holdsFloatBlobs(session, row.name, column.name))) {
        found.push({ table: row.name, column: column.name, kind: 'blob', declaredDim: 0, ...alias });
      }
    }
  }
  return found;
}

/** A plain BLOB column is a vector column when its first stored value is a blob of whole float32s. */
async function holdsFloatBlobs(session: SqlRunner, table: string, column: string): Promise<boolean> {
  const [row] = await session.query<{ n: unknown }>(`SELECT length(${doubleQuote(column)}) AS n FROM ${doubleQuote(table)} WHERE typeof(${doubleQuote(column)}) = 'blob' LIMIT 1`);
  const bytes = Number(row?.n ?? 0);
  return bytes >= 8 && bytes % 4 === 0;
}

/** sqlite-vec's metric names (distance_metric=l2|cosine|L1, any case; l2 when absent). */
const VEC0_METRICS: Readonly<Record<string, Metric>> = { l2: 'l2', cosine: 'cosine' };

/** The float vector columns of a vec0 declaration; int8[N] and bit[N] columns are left out (not float vectors). */
export function parseVec0(table: string, sql: string): SqliteVectorColumn[] {
  const open = sql.indexOf('(');
  const body = sql.slice(open + 1, sql.lastIndexOf(')'));
  const columns: SqliteVectorColumn[] = [];
  let keyColumn: string | undefined;
  for (const part of splitTopLevel(body)) {
    const text = part.trim();
    const vector = /^("[^"]+"|`[^`]+`|\[[^\]]+\]|\w+)\s+(?:float|f32)\s*\[\s*(\d+)\s*\]([\s\S]*)$/i.exec(text);
    if (vector) {
      const metricName = /distance_metric\s*=\s*['"]?(\w+)/i.exec(vector[3] ?? '')?.[1] ?? 'l2';
      columns.push({ table, column: unquote(vector[1] as string), kind: 'vec0', declaredDim: Number(vector[2]), vec0Metric: VEC0_METRICS[metricName.toLowerCase()] ?? 'other', vec0MetricName: metricName });
      continue;
    }
    // vec0 tables have no rowid column to name once a primary key is declared (integer or text): the key is that column.
    const key = /^("[^"]+"|`[^`]+`|\[[^\]]+\]|\w+)\s+\w+\s+primary\s+key\b/i.exec(text);
    if (key) keyColumn = unquote(key[1] as string);
  }
  return columns.map((column) => (keyColumn ? { ...column, keyColumn } : column));
}

/** The libsql vector index on `column` declared by this CREATE INDEX, if it is one. */
export function parseLibsqlIndex(row: MasterRow, column: string): LibsqlVectorIndex | undefined {
  const match = /libsql_vector_idx\s*\(([\s\S]*)\)\s*\)\s*$/i.exec(row.sql ?? '');
  if (!match) return undefined;
  const [first, ...rest] = splitTopLevel(match[1] as string).map((part) => part.trim());
  if (!first || unquote(first) !== column) return undefined;
  const options: Record<string, string> = {};
  for (const option of rest) {
    const text = option.replace(/^'|'$/g, '');
    const eq = text.indexOf('=');
    if (eq > 0) options[text.slice(0, eq).trim().toLowerCase()] = text.slice(eq + 1).trim();
  }
  const name = options.metric?.toLowerCase();
  const metric: Metric | 'other' = name === undefined || name === 'cosine' ? 'cosine' : name === 'l2' ? 'l2' : 'other';
  return { name: row.name, metric, options, metricDefaulted: name === undefined };
}

export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current);
  return parts;
}

function unquote(name: string): string {
  if (/^".*"$/.test(name)) return name.slice(1, -1).replace(/""/g, '"');
  if (/^`.*`$/.test(name) || /^\[.*\]$/.test(name)) return name.slice(1, -1);
  return name;
}
