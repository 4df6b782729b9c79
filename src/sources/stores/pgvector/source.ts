import type { LoadedManifest } from '../../../manifest/manifest.js';
import { parseStoreManifest } from '../../../manifest/store-manifest.js';
import type { Metric } from '../../../core/policy.js';
import { InputError } from '../../../errors.js';
import { Rng, sampleIndices } from '../../../math/rng.js';
import { normToleranceFor } from '../../files/norm-tolerance.js';
import type { DeletedRowFacts, FilteredSearch, IndexDescription, PushdownStats, RowBlock, ScanOptions, SearchRequest, SearchResult, SourceDescription, StorageType } from '../../source.js';
import { StoreRowCollector, StoreSource } from '../store-source.js';
import { tuningSweep } from '../tuning.js';
import type { PgvectorCatalog, PgvectorIndex } from '../../../engines/pgvector/catalog.js';
import { assertSearchSettings } from '../../search-settings.js';
import { explainDeclaredQuery, LIST_PROBES, probeListBalance } from './index-probes.js';
import { describePostgresError } from '../../../engines/pgvector/postgres-errors.js';
import { readRowFacts, type RowFacts } from './row-facts.js';
import { readOnlyTransaction, toCount, type SqlSession } from '../../../engines/pgvector/sql-session.js';
import { formatVectorText, parseVectorText } from '../../../engines/pgvector/vector-text.js';
import { exactSearchByScan } from './exact-scan.js';
import { pgvectorFilteredSearch } from './filtered-search.js';
import { readDeadTuples } from './dead-tuples.js';
import { stopForDeadline } from '../../search-budget.js';

/**
 * Tables up to this size get the full per-row aggregate (NULL, zero and duplicate vectors, build
 * order): Postgres reads ~1 GB/s from cache, so this is seconds on a server. Beyond it only rows
 * are counted and the sample speaks for the rest.
 */
export const DEFAULT_PUSHDOWN_BUDGET_BYTES = 4 * 2 ** 30;
/** Dense copies of wider vectors (sparsevec allows 10⁹ dimensions) would not fit a sample in memory. */
const MAX_DIM = 65_536;
/** Rows per FETCH in a full scan. */
const SCAN_BATCH_ROWS = 2000;
/** pgvector's upper limits for its search settings. */
const EF_SEARCH_MAX = 1000;
/**
 * Up to this many rows the audit's exact answer is the engine's own (one ORDER BY per query with
 * index scans off: 100 scans of 20k rows take about a second even in PGlite). Larger tables are
 * read once through a cursor and searched client-side (exact-scan.ts): Q queries, one scan.
 */
export const ENGINE_EXACT_MAX_ROWS = 20_000;
/** Search settings a request may change (anything else would be SQL the audit has no business setting). */
const SEARCH_SETTINGS = ['hnsw.ef_search', 'ivfflat.probes'];

export interface PgvectorSourceOptions {
  /** The metric the model was trained for: picks the index searches use and is EXPLAINed. */
  readonly declaredMetric?: Metric;
  readonly pushdownBudgetBytes?: number;
  /** Reader kind shown in the report ('pgvector', or 'pglite' for an embedded store). */
  readonly kind?: string;
  /** Tables with more rows than this get the one-pass exact scan instead of per-query engine scans (default ENGINE_EXACT_MAX_ROWS). */
  readonly engineExactMaxRows?: number;
}

const ENGINE_EXACT_METHOD = 'pgvector sequential scan (index scans disabled in the same transaction)';

const STORAGE: Readonly<Record<string, StorageType>> = { vector: 'float32', halfvec: 'float16', sparsevec: 'float32' };

/** A pgvector column read in place, through SQL, in read-only transactions. */
export class PgvectorSource extends StoreSource {
  private readonly index?: PgvectorIndex;
  private facts?: Promise<RowFacts>;
  private dim = 0;
  readonly filteredSearch?: FilteredSearch;

  constructor(
    private readonly session: SqlSession,
    private readonly catalog: PgvectorCatalog,
    target: string,
    private readonly options: PgvectorSourceOptions = {},
  ) {
    super(target);
    this.index = catalog.indexes.find((index) => index.valid);
    if (this.index) {
      const index = this.index;
      this.search = {
        query: (request) => this.guard('search the index', () => this.searchIndex(index, request)),
        exactMethod: ENGINE_EXACT_METHOD,
        tuning:
          index.method === 'hnsw'
            ? tuningSweep('hnsw.ef_search', catalog.settings.efSearch, [2, 4, 10], EF_SEARCH_MAX)
            : tuningSweep('ivfflat.probes', catalog.settings.probes, [4, 16, 64], Math.max(1, index.options.lists ?? 1)),
      };
      this.filteredSearch = pgvectorFilteredSearch({
        session,
        catalog,
        index,
        target,
        dimension: async () => (await this.describe()).dim,
        guard: (action, work) => this.guard(action, work),
      });
    }
  }

  /** Dead tuples and vacuum history from the statistics views; index entries beyond the live rows. */
  async deletedRows(): Promise<DeletedRowFacts> {
    const { rows } = await this.describe();
    return this.guard('read table statistics', () => readDeadTuples(this.session, this.catalog, this.index, rows));
  }

  async pushdownStats(): Promise<PushdownStats | undefined> {
    await this.describe();
    return (await this.rowFacts()).pushdown;
  }

  /** Keys are the table's own ids; a rebuild's `aliases text[]` column adds the ids folded into each row. */
  async documentIds(keys: readonly string[]): Promise<string[][]> {
    const { catalog } = this;
    const hasAliases = await this.guard('read the table columns', () =>
      this.session.query<{ n: number }>("SELECT 1 AS n FROM pg_attribute WHERE attrelid = $1::oid AND attname = 'aliases' AND atttypid = 'text[]'::regtype AND NOT attisdropped", [catalog.oid]),
    );
    if (!hasAliases.length || catalog.key.kind === 'ctid' || keys.length === 0) return keys.map((key) => [key]);
    const rows = await this.guard('read document aliases', () =>
      readOnlyTransaction(this.session, () =>
        this.session.query<{ k: string; a: string[] | null }>(`SELECT ${catalog.key.sql}::text AS k, aliases AS a FROM ${catalog.relation} WHERE ${catalog.key.sql}::text = ANY($1::text[])`, [[...new Set(keys)]]),
      ),
    );
    const byKey = new Map(rows.map((row) => [row.k, [row.k, ...(row.a ?? [])]]));
    return keys.map((key) => byKey.get(key) ?? [key]);
  }

  /** Document ids among `ids` that are a row's key or one of its aliases. */
  async knownDocumentIds(ids: readonly string[]): Promise<Set<string>> {
    const { catalog } = this;
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    const hasAliases = await this.guard('read the table columns', () =>
      this.session.query<{ n: number }>("SELECT 1 AS n FROM pg_attribute WHERE attrelid = $1::oid AND attname = 'aliases' AND atttypid = 'text[]'::regtype AND NOT attisdropped", [catalog.oid]),
    );
    const aliases = hasAliases.length && catalog.key.kind !== 'ctid' ? ` UNION SELECT a FROM ${catalog.relation}, unnest(aliases) AS a WHERE aliases && $1::text[] AND a = ANY($1::text[])` : '';
    const rows = await this.guard('look up document ids', () =>
      readOnlyTransaction(this.session, () => this.session.query<{ k: string }>(`SELECT ${catalog.key.sql}::text AS k FROM ${catalog.relation} WHERE ${catalog.key.sql}::text = ANY($1::text[])${aliases}`, [wanted])),
    );
    return new Set(rows.map((row) => row.k));
  }

  async storedManifest(): Promise<LoadedManifest | undefined> {
    const { rows } = await this.describe();
    const { catalog } = this;
    const found = await this.guard('read the column comment', () =>
      this.session.query<{ comment: string | null }>('SELECT col_description($1::oid, a.attnum::int) AS comment FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attname = $2', [catalog.oid, catalog.column.name]),
    );
    return parseStoreManifest(found[0]?.comment, `comment on column ${catalog.tableName}.${catalog.column.name}`, rows);
  }

  protected async load(): Promise<SourceDescription> {
    const { catalog } = this;
    this.dim = await this.guard('read the vector dimension', () => this.readDim());
    const facts = await this.rowFacts();
    const index = this.index ? await this.guard('inspect the index', () => this.describeIndex(this.index as PgvectorIndex, facts)) : undefined;
    const storage = STORAGE[catalog.column.type] ?? 'float32';
    return {
      kind: this.options.kind ?? 'pgvector',
      target: this.target,
      rows: facts.vectorRows,
      rowsExact: true,
      dim: this.dim,
      storage: { type: storage, bytes: catalog.tableBytes, lossy: false },
      normTolerance: normToleranceFor(storage, this.dim),
      local: false,
      ...(index ? { index } : {}),
      notes: this.notes(facts),
    };
  }

  private rowFacts(): Promise<RowFacts> {
    const full = this.catalog.tableBytes <= (this.options.pushdownBudgetBytes ?? DEFAULT_PUSHDOWN_BUDGET_BYTES);
    this.facts ??= this.guard('count rows', () => readRowFacts(this.session, this.catalog, this.index, this.dim, full));
    return this.facts;
  }

  private async readDim(): Promise<number> {
    const { column, relation } = this.catalog;
    let dim = column.dim;
    if (dim <= 0) {
      // An unconstrained column (vector without (n)): the first stored vector sets the dimension.
      const [row] = await readOnlyTransaction(this.session, () => this.session.query<{ v: string }>(`SELECT ${column.sql}::text AS v FROM ${relation} WHERE ${column.sql} IS NOT NULL LIMIT 1`));
      dim = row ? (parseVectorText(row.v, column.type)?.length ?? 0) : 0;
    }
    if (dim > MAX_DIM) {
      throw new InputError(`column ${column.name} holds ${dim}-dimensional vectors; vectorclinic checks dense vectors up to ${MAX_DIM} dimensions`, {
        where: this.target,
      });
    }
    return dim;
  }

  private async describeIndex(index: PgvectorIndex, facts: RowFacts): Promise<IndexDescription> {
    const probes = await this.probeVectors(facts.vectorRows);
    const listBalance = await probeListBalance(this.session, this.catalog, index, probes.slice(0, LIST_PROBES), facts.vectorRows);
    const declared = this.options.declaredMetric;
    const queryPlan = declared && probes[0] ? await explainDeclaredQuery(this.session, this.catalog, index, declared, probes[0]) : undefined;
    const knob: Record<string, number> = index.method === 'hnsw' ? { 'hnsw.ef_search': this.catalog.settings.efSearch } : { 'ivfflat.probes': this.catalog.settings.probes };
    return {
      engine: 'pgvector',
      type: index.method,
      metric: index.distance.metric,
      metricSource: 'index',
      normalizesInput: index.distance.metric === 'cosine',
      // pgvector always trains ivfflat lists at build time (on random centres when the table is empty).
      trained: true,
      ntotal: index.predicate === null ? facts.vectorRows : index.catalogTuples,
      params: { name: index.name, opclass: index.opclass, operator: index.distance.operator, ...index.options, ...knob, catalogTuples: index.catalogTuples },
      ...(facts.build ? { build: facts.build } : {}),
      ...(queryPlan ? { queryPlan } : {}),
      ...(listBalance ? { listBalance } : {}),
    };
  }

  /** A few stored vectors (fixed seed) to probe the index with: list sizes, the query plan. */
  private async probeVectors(rows: number): Promise<Float32Array[]> {
    if (rows === 0 || this.dim === 0) return [];
    const picks = sampleIndices(rows, LIST_PROBES, new Rng(0x1157));
    const block = await this.readRanks(picks);
    return Array.from({ length: block.count }, (_, i) => block.data.slice(i * block.dim, (i + 1) * block.dim));
  }

  private notes(facts: RowFacts): string[] {
    const { catalog } = this;
    const notes: string[] = [`pgvector ${catalog.extensionVersion}, column ${catalog.tableName}.${catalog.column.name} ${catalog.column.type}(${this.dim || '?'}), rows ordered by ${catalog.key.name}`];
    if (!facts.pushdown) notes.push(`table larger than the pushdown budget: rows counted exactly, other per-row facts estimated from the sample`);
    const others = catalog.indexes.filter((index) => index !== this.index);
    if (this.index) notes.push(`searches use index ${this.index.name} (${this.index.method}, ${this.index.opclass})`);
    for (const index of others) notes.push(`other vector index ${index.name}: ${index.method}, ${index.opclass}${index.valid ? '' : ' (INVALID: a failed or unfinished build)'}`);
    if (this.index?.predicate) notes.push(`index ${this.index.name} is partial (WHERE ${this.index.predicate}): rows outside it are never returned by index searches`);
    if (catalog.indexes.length > 0 && !this.index) notes.push('no valid vector index: every query is a sequential scan');
    if (catalog.indexes.length === 0) notes.push('no vector index on the column: every query is an exact sequential scan (no recall loss, but O(rows) per query)');
    return notes;
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    await this.describe();
    return this.readRanks(rows);
  }

  /** Rows by their number in key order (the order scan() yields them in). */
  private async readRanks(rows: readonly number[]): Promise<RowBlock> {
    const collector = new StoreRowCollector(this.dim, rows.length);
    if (rows.length === 0) return collector.finish();
    const { relation, column, key } = this.catalog;
    const values = await this.guard('read sampled rows', () =>
      readOnlyTransaction(this.session, async () => {
        // Stage 1: row number → key, numbering rows by the key (an index scan of the key only).
        const keyed = await this.session.query<{ rn: unknown; k: string }>(
          `SELECT w.rn AS rn, s.k::text AS k
             FROM (SELECT ${key.sql} AS k, row_number() OVER (ORDER BY ${key.sql}) - 1 AS rn FROM ${relation} WHERE ${column.sql} IS NOT NULL) s
             JOIN unnest($1::int8[]) AS w(rn) ON w.rn = s.rn`,
          [rows.map(String)],
        );
        // Stage 2: fetch only those rows' vectors, by key.
        const fetched = await this.session.query<{ k: string; v: string | null }>(`SELECT ${key.sql}::text AS k, ${column.sql}::text AS v FROM ${relation} WHERE ${key.sql} = ANY($1::${key.sqlType}[])`, [
          keyed.map((row) => row.k),
        ]);
        const byKey = new Map(fetched.map((row) => [row.k, row.v]));
        return new Map(keyed.map((row) => [toCount(row.rn), byKey.get(row.k) ?? null]));
      }),
    );
    for (const row of rows) this.addRow(collector, row, values.get(row));
    return collector.finish();
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    await this.describe();
    const { relation, column, key } = this.catalog;
    const batch = Math.max(1, Math.min(SCAN_BATCH_ROWS, Math.floor((options.blockFloats ?? SCAN_BATCH_ROWS * this.dim) / Math.max(1, this.dim))));
    await this.guard('start a scan', () => this.session.query('BEGIN TRANSACTION READ ONLY'));
    try {
      // Physical order is ctid order only when no other scan is running: keep it deterministic.
      const order = key.kind === 'ctid' ? '' : `ORDER BY ${key.sql}`;
      await this.guard('start a scan', async () => {
        await this.session.query("SELECT set_config('synchronize_seqscans', 'off', true)");
        await this.session.query(`DECLARE vectorclinic_scan NO SCROLL CURSOR FOR SELECT ${column.sql}::text AS v FROM ${relation} WHERE ${column.sql} IS NOT NULL ${order}`);
      });
      let next = 0;
      for (;;) {
        options.signal?.throwIfAborted();
        const rows = await this.guard('scan rows', () => this.session.query<{ v: string }>(`FETCH ${batch} FROM vectorclinic_scan`));
        if (rows.length === 0) break;
        const collector = new StoreRowCollector(this.dim, rows.length);
        for (const row of rows) this.addRow(collector, next++, row.v);
        yield collector.finish();
      }
    } finally {
      await this.session.query('ROLLBACK').catch(() => undefined);
    }
  }

  private addRow(collector: StoreRowCollector, row: number, text: string | null | undefined): void {
    // Only rows with a vector are numbered; one deleted since it was numbered is simply gone.
    if (text === null || text === undefined) return;
    const vector = parseVectorText(text, this.catalog.column.type);
    if (vector) collector.add(row, vector);
    else collector.unparsable(row, `unreadable ${this.catalog.column.type} text '${text.slice(0, 40)}'`);
  }

  /** Top-k keys per query through the index (index scans forced), or exactly (index scans disabled). */
  private async searchIndex(index: PgvectorIndex, request: SearchRequest): Promise<SearchResult> {
    const { queries, count, k, exact, params } = request;
    if (exact) {
      const { rows } = await this.describe();
      if (this.scansForExact(index, rows)) return exactSearchByScan(this.session, this.catalog, { index, metric: index.distance.metric as Metric, dim: this.dim, totalRows: rows }, request);
    }
    const { relation, key, extensionSchema: schema } = this.catalog;
    const where = index.predicate ? `WHERE ${index.predicate}` : '';
    const sql = `SELECT ${key.sql}::text AS id FROM ${relation} ${where} ORDER BY ${index.orderExpression} OPERATOR(${schema}.${index.distance.operator}) $1::${schema}.${index.storedType} LIMIT ${Math.max(1, Math.floor(k))}`;
    return readOnlyTransaction(this.session, async () => {
      const settings: Record<string, string> = exact
        ? { enable_indexscan: 'off', enable_indexonlyscan: 'off', enable_bitmapscan: 'off' }
        : // The audit measures the index: a planner that prefers a sequential scan on a small table would hide it.
          { enable_seqscan: 'off' };
      assertSearchSettings(params, SEARCH_SETTINGS, 'pgvector', this.target);
      for (const [name, value] of Object.entries(params ?? {})) settings[name] = String(value);
      for (const [name, value] of Object.entries(settings)) await this.session.query('SELECT set_config($1, $2, true)', [name, value]);
      const ids: string[][] = [];
      const dim = this.dim;
      const started = performance.now();
      for (let q = 0; q < count && !stopForDeadline(request, q, started); q++) {
        const vector = queries.subarray(q * dim, (q + 1) * dim);
        const rows = await this.session.query<{ id: string }>(sql, [formatVectorText(vector, index.storedType)]);
        ids.push(rows.map((row) => row.id));
      }
      return { ids, ...(exact ? { method: ENGINE_EXACT_METHOD } : {}) };
    });
  }

  /** One pass beats per-query scans on large tables, for the metrics and types the client can score. */
  private scansForExact(index: PgvectorIndex, rows: number): boolean {
    if (index.distance.metric === 'other' || !['vector', 'halfvec', 'sparsevec'].includes(index.storedType)) return false;
    return rows > (this.options.engineExactMaxRows ?? ENGINE_EXACT_MAX_ROWS);
  }

  protected async disconnect(): Promise<void> {
    await this.session.close();
  }

  protected override explain(error: unknown): { readonly what: string; readonly hint?: string } | undefined {
    return describePostgresError(error);
  }
}
