import { SQLITE_DIALECT } from '../../../engines/sql/dialect.js';
import { readRowFacts, type RowFacts } from '../../../engines/sql/row-facts.js';
import { keysAtRanks } from '../../../engines/sql/sample.js';
import { describeKind, type SqliteCatalog } from '../../../engines/sqlite/catalog.js';
import { distanceFunction, exactSearchStatement, indexSearchStatement, keySql, VEC0_MAX_K, vec0KnnStatement } from '../../../engines/sqlite/search-sql.js';
import { exactSearchByScan } from './exact-scan.js';
import { manifestPlace, readManifestText } from '../../../engines/sqlite/manifest-table.js';
import type { LoadedManifest } from '../../../manifest/manifest.js';
import { parseStoreManifest } from '../../../manifest/store-manifest.js';
import type { SqliteReader } from '../../../engines/sqlite/session.js';
import { blobVector, normExpression, sqliteVectorFacts, vectorBlob } from '../../../engines/sqlite/vector-sql.js';
import type { Metric } from '../../../core/policy.js';
import { InputError } from '../../../errors.js';
import { normToleranceFor } from '../../files/norm-tolerance.js';
import { stopForDeadline } from '../../search-budget.js';
import { assertSearchSettings } from '../../search-settings.js';
import type { IndexDescription, PushdownStats, RowBlock, ScanOptions, SearchRequest, SearchResult, SourceDescription } from '../../source.js';
import { StoreRowCollector, StoreSource } from '../store-source.js';

const VEC0_EXACT_METHOD = 'sqlite-vec KNN (an exact brute-force scan) with the rows it cannot rank (zero or NaN vectors, distance NULL) set aside';
/** Up to this many rows the exact answers are per-query SQL scans; above, one pass scored client-side. */
export const ENGINE_EXACT_MAX_ROWS = 20_000;
/** Rows per block in a full scan. */
const SCAN_BATCH_ROWS = 2000;
/** Dense vectors wider than this are not embeddings we can hold a sample of. */
const MAX_DIM = 65_536;

/**
 * The table as (k, v) read once per row: OFFSET keeps SQLite from flattening the subquery into the
 * aggregate, where each mention of the column would read it again (a vec0 column read costs ~25 µs).
 */
function rowsOnce(key: string, catalog: SqliteCatalog, dim: number): string {
  return `(SELECT k, v, ${normExpression('v', dim)} AS n FROM (SELECT ${key} AS k, ${catalog.columnSql} AS v FROM ${catalog.relation} LIMIT -1 OFFSET 0) LIMIT -1 OFFSET 0)`;
}

/** A vector column of a SQLite file (sqlite-vec vec0, libsql F32_BLOB, plain float32 BLOB), read in place through libsql. */
export class SqliteSource extends StoreSource {
  private facts?: Promise<RowFacts>;
  private dim = 0;
  private aliasColumn?: Promise<boolean>;
  private readonly key: string;

  constructor(
    private readonly session: SqliteReader,
    private readonly catalog: SqliteCatalog,
    target: string,
    /** The declared metric: what a table without a vector index is searched by (it stores none). */
    options: { readonly metric?: Metric } = {},
  ) {
    super(target);
    this.key = keySql(catalog);
    const index = catalog.column.index;
    const distance = index ? distanceFunction(index.metric) : undefined;
    if (index && distance) {
      this.search = {
        query: (request) => this.guard('search the index', () => this.searchIndex(index.name, distance, request)),
        exactMethod: `SQLite full scan ordered by ${distance} (every row of the table, no index)`,
      };
    }
    const vec0Distance = catalog.column.kind === 'vec0' ? distanceFunction(catalog.column.vec0Metric ?? 'l2') : undefined;
    if (vec0Distance) {
      // vec0's KNN is what the application gets; its exact answer is the same scan with the rows it
      // cannot rank (zero or NaN vectors: distance NULL, ranked first) set aside.
      this.search = { query: (request) => this.guard('search the vec0 table', () => this.searchVec0(vec0Distance, request)), exactMethod: VEC0_EXACT_METHOD };
    }
    if (!this.search) {
      // No index: the application searches by an exact scan too. Answers in the table's own keys,
      // so smoke's questions about document ids are judged in those ids (not in row numbers).
      const metric = options.metric ?? 'cosine';
      this.search = {
        query: (request) => this.guard('search exactly', () => this.searchFlat(metric, request)),
        exactMethod: `one pass over the table (key, vector), exact ${metric} top-k computed client-side (no vector index)`,
      };
    }
  }

  async pushdownStats(): Promise<PushdownStats | undefined> {
    await this.describe();
    return (await this.rowFacts()).pushdown;
  }

  /**
   * Search answers in the table's own keys (vec0's primary key, the rowid / INTEGER PRIMARY KEY): each is its document
   * id, plus the ids a deduplicating rebuild folded into it (its `aliases` column, a JSON list).
   */
  async documentIds(keys: readonly string[]): Promise<string[][]> {
    if (!(await this.hasAliases()) || keys.length === 0) return keys.map((key) => [key]);
    const { relation } = this.catalog;
    const rows = await this.guard('read document aliases', () =>
      this.session.query<{ k: unknown; a: unknown }>(`SELECT CAST(${this.key} AS TEXT) AS k, aliases AS a FROM ${relation} WHERE CAST(${this.key} AS TEXT) IN (SELECT value FROM json_each(?1))`, [
        JSON.stringify([...new Set(keys)]),
      ]),
    );
    const aliases = new Map(rows.map((row) => [String(row.k), aliasList(row.a)]));
    return keys.map((key) => [key, ...(aliases.get(key) ?? [])]);
  }

  /** Which of these ids are keys of the table, or aliases of one (smoke tells questions about other ids from misses). */
  async knownDocumentIds(ids: readonly string[]): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    const { relation } = this.catalog;
    const aliases = (await this.hasAliases()) ? ` UNION SELECT a.value FROM ${relation}, json_each(CASE WHEN json_valid(aliases) THEN aliases ELSE '[]' END) AS a WHERE a.value IN (SELECT value FROM json_each(?1))` : '';
    const rows = await this.guard('look up document ids', () =>
      this.session.query<{ k: unknown }>(`SELECT CAST(${this.key} AS TEXT) AS k FROM ${relation} WHERE CAST(${this.key} AS TEXT) IN (SELECT value FROM json_each(?1))${aliases}`, [JSON.stringify(wanted)]),
    );
    return new Set(rows.map((row) => String(row.k)));
  }

  /** A rebuild with --dedup gave the table an `aliases` column (JSON list of folded document ids). */
  private hasAliases(): Promise<boolean> {
    this.aliasColumn ??= this.guard('read the table columns', async () => {
      const found = await this.session.query<{ n: unknown }>("SELECT 1 AS n FROM pragma_table_xinfo(?1) WHERE name = 'aliases'", [this.catalog.column.table]);
      return found.length > 0;
    });
    return this.aliasColumn;
  }

  /** The manifest a rebuild recorded for this column (in the file's vectorclinic_manifest table). */
  async storedManifest(): Promise<LoadedManifest | undefined> {
    const { rows } = await this.describe();
    const { table, column } = this.catalog.column;
    const text = await this.guard('read the manifest table', () => readManifestText(this.session, table, column));
    return parseStoreManifest(text, manifestPlace(table, column), rows);
  }

  protected async load(): Promise<SourceDescription> {
    this.dim = await this.guard('read the vector dimension', () => this.readDim());
    const facts = await this.rowFacts();
    const index = this.describeIndex(facts);
    return {
      kind: 'sqlite',
      target: this.target,
      rows: facts.vectorRows,
      rowsExact: true,
      dim: this.dim,
      storage: { type: 'float32', bytes: facts.vectorRows * this.dim * 4, lossy: false },
      normTolerance: normToleranceFor('float32', this.dim),
      local: false,
      ...(index ? { index } : {}),
      notes: this.notes(facts),
    };
  }

  private rowFacts(): Promise<RowFacts> {
    const { catalog } = this;
    this.facts ??= this.guard('count rows', () =>
      readRowFacts({
        dialect: SQLITE_DIALECT,
        runner: this.session,
        table: { relation: rowsOnce(this.key, catalog, this.dim), tableName: catalog.column.table, key: 'k' },
        vector: sqliteVectorFacts('v', this.dim, 'n'),
        full: true,
      }),
    );
    return this.facts;
  }

  /** The declared dimension, or (plain BLOB columns) the most common whole-float32 blob length. */
  private async readDim(): Promise<number> {
    const { column, columnSql, relation } = this.catalog;
    let dim = column.declaredDim;
    if (dim <= 0) {
      const [row] = await this.session.query<{ d: unknown }>(
        `SELECT length(${columnSql}) / 4 AS d, count(*) AS n FROM ${relation} WHERE typeof(${columnSql}) = 'blob' AND length(${columnSql}) % 4 = 0 AND length(${columnSql}) > 0 GROUP BY 1 ORDER BY n DESC, d LIMIT 1`,
      );
      dim = Number(row?.d ?? 0);
    }
    if (dim > MAX_DIM) throw new InputError(`column ${column.column} holds ${dim}-dimensional vectors; vectorclinic checks dense vectors up to ${MAX_DIM} dimensions`, { where: this.target });
    return dim;
  }

  private describeIndex(facts: RowFacts): IndexDescription | undefined {
    const { column } = this.catalog;
    if (column.kind === 'vec0') {
      const metric = column.vec0Metric ?? 'l2';
      return {
        engine: 'sqlite-vec',
        type: 'vec0',
        metric,
        metricSource: 'index',
        normalizesInput: metric === 'cosine',
        trained: true,
        ntotal: facts.vectorRows,
        params: { distance_metric: column.vec0MetricName ?? 'l2', knn: 'exact brute force' },
      };
    }
    if (column.index) {
      const { index } = column;
      return {
        engine: 'libsql',
        type: 'libsql_vector_idx',
        metric: index.metric,
        metricSource: 'index',
        normalizesInput: index.metric === 'cosine',
        // DiskANN is a graph: nothing is trained, rows are inserted into it as they are written.
        trained: true,
        ntotal: facts.vectorRows,
        params: { name: index.name, ...index.options },
      };
    }
    return undefined;
  }

  private notes(facts: RowFacts): string[] {
    const { column, candidates } = this.catalog;
    const notes = [`SQLite ${describeKind(column)}, column ${column.table}.${column.column}, rows ordered by ${column.keyColumn ?? 'rowid'}`];
    if (column.kind === 'vec0') {
      notes.push('vec0 KNN (MATCH … AND k = ?) is an exact brute-force scan: its recall falls short only through rows it cannot rank');
      if (column.vec0Metric === 'cosine' && (facts.pushdown?.zeroRows || facts.pushdown?.nonfiniteRows)) {
        notes.push('vec0 cosine KNN returns zero and NaN vectors with distance NULL, ahead of real matches, once k exceeds the rows it can rank');
      }
    }
    if (column.index?.metricDefaulted) notes.push(`index ${column.index.name} names no metric: libsql's default, cosine, applies`);
    if (column.kind === 'f32-blob' && !column.index) notes.push('no libsql_vector_idx index on the column: every query is an exact scan (no recall loss, but O(rows) per query)');
    if (column.kind === 'blob') notes.push(`untyped BLOB column: the dimension (${this.dim}) is the most common blob length / 4; other lengths are row issues`);
    const others = candidates.filter((c) => c !== column && !(c.table === column.table && c.column === column.column));
    if (others.length) notes.push(`other vector columns in this file: ${others.map((c) => `${c.table}.${c.column}`).join(', ')}`);
    return notes;
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    await this.describe();
    const collector = new StoreRowCollector(this.dim, rows.length);
    if (rows.length === 0) return collector.finish();
    const { relation, columnSql } = this.catalog;
    const values = await this.guard('read sampled rows', () =>
      this.session.snapshot(async () => {
        // vec0 refuses NULL vectors: numbering by the key alone spares reading every vector.
        const nonNull = this.catalog.column.kind === 'vec0' ? this.key : columnSql;
        const keys = await keysAtRanks(SQLITE_DIALECT, this.session, { relation, key: this.key, column: nonNull }, rows);
        const fetched = await this.session.query<{ k: unknown; v: unknown }>(`SELECT CAST(${this.key} AS TEXT) AS k, ${columnSql} AS v FROM ${relation} WHERE ${this.key} IN (SELECT value FROM json_each(?1))`, [
          this.keyList([...keys.values()]),
        ]);
        const byKey = new Map(fetched.map((row) => [String(row.k), row.v]));
        return new Map([...keys].map(([rank, key]) => [rank, byKey.get(key)]));
      }),
    );
    for (const row of rows) this.addRow(collector, row, values.get(row));
    return collector.finish();
  }

  /** Keys as a JSON array of their own type: integer ids stay integers (rowids may pass 2^53, so never through Number). */
  private keyList(keys: readonly string[]): string {
    const integers = keys.every((key) => /^-?\d+$/.test(key));
    return integers ? `[${keys.join(',')}]` : JSON.stringify(keys);
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    await this.describe();
    const { relation, columnSql } = this.catalog;
    const batch = Math.max(1, Math.min(SCAN_BATCH_ROWS, Math.floor((options.blockFloats ?? SCAN_BATCH_ROWS * this.dim) / Math.max(1, this.dim))));
    let next = 0;
    for await (const page of this.session.pages<{ v: unknown }>({ select: `${columnSql} AS v`, relation, key: this.key, where: `${columnSql} IS NOT NULL`, batch })) {
      options.signal?.throwIfAborted();
      const collector = new StoreRowCollector(this.dim, page.length);
      for (const row of page) this.addRow(collector, next++, row.v);
      yield collector.finish();
    }
  }

  private addRow(collector: StoreRowCollector, row: number, value: unknown): void {
    // Only rows with a vector are numbered; one deleted since it was numbered is simply gone.
    if (value === null || value === undefined) return;
    const vector = blobVector(value);
    if (vector) collector.add(row, vector);
    else collector.unparsable(row, typeof value === 'string' ? `text '${value.slice(0, 40)}', not a float32 blob` : 'a value that is not whole float32s');
  }

  /** Top-k rowids per query through the libsql index, or exactly by a full scan ordered by the index's distance. */
  private async searchIndex(indexName: string, distance: string, request: SearchRequest): Promise<SearchResult> {
    const { queries, count, k, exact, params } = request;
    // libsql's vector index has no query-time setting (search_l is fixed when the index is built).
    assertSearchSettings(params, [], 'libsql', this.target);
    const metric = this.catalog.column.index?.metric;
    if (exact && (metric === 'cosine' || metric === 'l2')) {
      const { rows: totalRows } = await this.describe();
      // Above this size one pass for all queries beats a full scan per query.
      if (totalRows > ENGINE_EXACT_MAX_ROWS) {
        const result = await exactSearchByScan(this.session, this.catalog, { metric, dim: this.dim, totalRows }, request);
        return { ...result, method: `one pass over the table (rowid, vector), exact ${metric} top-k computed client-side` };
      }
    }
    const sql = exact ? exactSearchStatement(this.catalog, distance, this.dim, this.key) : indexSearchStatement(indexName, this.catalog);
    const ids: string[][] = [];
    const dim = this.dim;
    const started = performance.now();
    for (let q = 0; q < count && !stopForDeadline(request, q, started); q++) {
      const rows = await this.session.query<{ id: string }>(sql, [vectorBlob(queries.subarray(q * dim, (q + 1) * dim)), Math.max(1, Math.floor(k))]);
      ids.push(rows.map((row) => row.id));
    }
    return { ids, ...(exact && this.search?.exactMethod ? { method: this.search.exactMethod } : {}) };
  }

  /** A table without a vector index: exact top-k in one pass over (key, vector). */
  private async searchFlat(metric: Metric, request: SearchRequest): Promise<SearchResult> {
    assertSearchSettings(request.params, [], 'SQLite (exact search, no vector index)', this.target);
    const { rows: totalRows } = await this.describe();
    const result = await exactSearchByScan(this.session, this.catalog, { metric, dim: this.dim, totalRows }, request);
    return { ...result, method: this.search?.exactMethod ?? 'exact scan' };
  }

  /** vec0 KNN per query; `exact` asks for k plus the unrankable rows and drops those (NULL distance). */
  private async searchVec0(distance: string, request: SearchRequest): Promise<SearchResult> {
    const { queries, count, k, exact, params } = request;
    assertSearchSettings(params, [], 'sqlite-vec', this.target);
    const facts = (await this.rowFacts()).pushdown;
    const unrankable = (facts?.zeroRows ?? 0) + (facts?.nonfiniteRows ?? 0);
    const want = Math.max(1, Math.floor(k));
    const fetch = exact ? want + unrankable : want;
    // Beyond vec0's largest k, the exact answer is a scan ordered by the same distance (slower, as exact).
    const scan = exact && fetch > VEC0_MAX_K;
    const sql = scan ? exactSearchStatement(this.catalog, distance, this.dim, this.key) : vec0KnnStatement(this.catalog, this.key);
    const ids: string[][] = [];
    const dim = this.dim;
    const started = performance.now();
    for (let q = 0; q < count && !stopForDeadline(request, q, started); q++) {
      const rows = await this.session.query<{ id: string; distance?: number | null }>(sql, [vectorBlob(queries.subarray(q * dim, (q + 1) * dim)), scan ? want : fetch]);
      const ranked = exact && !scan ? rows.filter((row) => row.distance !== null && row.distance !== undefined) : rows;
      ids.push(ranked.slice(0, want).map((row) => row.id));
    }
    return { ids, ...(exact ? { method: scan ? `SQLite full scan ordered by ${distance}` : VEC0_EXACT_METHOD } : {}) };
  }

  protected async disconnect(): Promise<void> {
    await this.session.close();
  }
}

/** An aliases cell as ids: a JSON list of strings, anything else none. */
function aliasList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
