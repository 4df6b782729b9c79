import type { Connection, Table } from '@lancedb/lancedb';
import type { Metric } from '../../../core/policy.js';
import { UsageError } from '../../../errors.js';
import { normToleranceFor } from '../../files/norm-tolerance.js';
import type { DeletedRowFacts, FilteredSearch, IndexDescription, PushdownStats, QuantizerDescription, RowBlock, ScanOptions, SearchRequest, SearchResult, SourceDescription, StorageType } from '../../source.js';
import { StoreRowCollector, StoreSource } from '../store-source.js';
import { tuningSweep } from '../tuning.js';
import { assertSearchSettings } from '../../search-settings.js';
import { readIvfPartitions, type IvfPartitions } from '../../../engines/lancedb/index-file.js';
import { lancedbFilteredSearch } from './filtered-search.js';
import { SearchBudgetExceeded, stopForDeadline } from '../../search-budget.js';
import { ExactTopKStream } from '../../../math/streaming-top-k.js';
import { join } from 'node:path';
import type { LoadedManifest } from '../../../manifest/manifest.js';
import { MANIFEST_METADATA_KEY, parseStoreManifest } from '../../../manifest/store-manifest.js';

/** LanceDB searches this many IVF partitions unless a query says otherwise. */
export const LANCEDB_DEFAULT_NPROBES = 20;
/** Without refineFactor, PQ/SQ distances are approximate; LanceDB re-ranks refineFactor × k candidates on the raw vectors. */
const REFINE_SWEEP = [2, 5, 10];
/** LanceDB searches an HNSW sub-index with ef = 1.5 × limit unless the query sets .ef(n). */
const LANCEDB_DEFAULT_EF_PER_K = 1.5;
/** The recall audit asks for the top 10, so the ef it runs at by default is 15. */
const AUDIT_DEFAULT_EF = Math.round(LANCEDB_DEFAULT_EF_PER_K * 10);
const EF_SWEEP = [4, 10, 25];
const EF_MAX = 1000;
const REFINE_MAX = 50;
/**
 * Up to this many rows the audit's exact answer is LanceDB's own flat search, once per query
 * (bypassVectorIndex: each one a full scan). Larger tables are scanned once and every query's
 * exact top-k is computed client-side from the same rows (ExactTopKStream).
 */
export const LANCEDB_ENGINE_EXACT_MAX_ROWS = 20_000;
/** Offsets per take request: bounds one Arrow batch to a few MB. */
const TAKE_BATCH = 2048;

const FLAT_METHOD = 'LanceDB flat search (bypassVectorIndex)';

/** Lance distance names → vectorclinic metrics ('dot' is inner product). */
const METRICS: Readonly<Record<string, Metric | 'other'>> = { l2: 'l2', cosine: 'cosine', dot: 'ip', hamming: 'other' };

/** What the connector found in the table's schema. */
export interface LanceVectorColumn {
  readonly name: string;
  readonly dim: number;
  readonly storage: StorageType;
}

interface LanceIndexFacts {
  readonly description: IndexDescription;
  readonly distance: string;
  readonly nlist?: number;
}

/** An open LanceDB table and what the connector learned about it. */
export interface LancedbParts {
  readonly connection: Connection;
  readonly table: Table;
  readonly column: LanceVectorColumn;
  /** The target as shown to the user (credentials redacted). */
  readonly target: string;
  readonly indexFacts: LanceIndexFacts | undefined;
  /** Tables with more rows than this get the one-pass exact scan (default LANCEDB_ENGINE_EXACT_MAX_ROWS). */
  readonly engineExactMaxRows?: number;
}

/** A LanceDB table read in place: takes by offset, the index's own search, and bypassVectorIndex() for exact. */
export class LancedbSource extends StoreSource {
  private index?: LanceIndexFacts;
  readonly filteredSearch?: FilteredSearch;
  private readonly connection: Connection;
  private readonly table: Table;
  private readonly column: LanceVectorColumn;
  private readonly engineExactMaxRows: number;

  constructor(parts: LancedbParts) {
    super(parts.target);
    this.connection = parts.connection;
    this.table = parts.table;
    this.column = parts.column;
    this.engineExactMaxRows = parts.engineExactMaxRows ?? LANCEDB_ENGINE_EXACT_MAX_ROWS;
    const { indexFacts, table, column, target } = parts;
    if (indexFacts) {
      this.index = indexFacts;
      const nlist = indexFacts.nlist ?? LANCEDB_DEFAULT_NPROBES;
      const compressed = indexFacts.description.quantizer?.kind === 'pq' || indexFacts.description.quantizer?.kind === 'sq';
      // The knob that can still move recall: more partitions, or, once every partition is probed,
      // re-ranking compressed candidates on the stored vectors.
      // An HNSW sub-index (IVF_HNSW_SQ/PQ/FLAT) is held back by ef long before nprobes or refining matter.
      // LanceDB tables store no query settings: the values below are what a query that sets none gets.
      const tuning = /hnsw/i.test(indexFacts.description.type)
        ? tuningSweep('ef', AUDIT_DEFAULT_EF, EF_SWEEP, EF_MAX, `LanceDB tables store no query settings; ef ${AUDIT_DEFAULT_EF} is LanceDB's default for a top-10 (1.5 × k) unless the query calls .ef(n)`)
        : nlist > LANCEDB_DEFAULT_NPROBES || !compressed
          ? tuningSweep(
              'nprobes',
              Math.min(LANCEDB_DEFAULT_NPROBES, nlist),
              [2, 5, 10],
              nlist,
              `LanceDB tables store no query settings; nprobes ${LANCEDB_DEFAULT_NPROBES} is LanceDB's default unless the query calls .nprobes(n)`,
            )
          : tuningSweep('refineFactor', 1, REFINE_SWEEP, REFINE_MAX, 'LanceDB tables store no query settings; without .refineFactor(n) a query ranks by the compressed distances only (refineFactor 1)');
      this.search = { query: (request) => this.guard('search the index', () => this.searchIndex(request)), exactMethod: FLAT_METHOD, tuning };
      const knob = tuning;
      this.filteredSearch = lancedbFilteredSearch({
        table,
        column: column.name,
        dim: column.dim,
        distance: (['l2', 'cosine', 'dot'].includes(indexFacts.distance) ? indexFacts.distance : 'l2') as 'l2' | 'cosine' | 'dot',
        target,
        remedies: knob.sweep.map((value) => ({ label: `.${knob.name}(${value})`, settings: { [knob.name]: value } })),
        guard: (action, work) => this.guard(action, work),
      });
    }
  }

  /** Read the index's statistics and files once, before the source is built (search depends on them). */
  static async describeIndex(table: Table, tableDir: string, column: string): Promise<LanceIndexFacts | undefined> {
    const indices = (await table.listIndices()).filter((index) => index.columns.includes(column) && /ivf|hnsw|pq|flat/i.test(index.indexType));
    const chosen = indices[0];
    if (!chosen) return undefined;
    const stats = await table.indexStats(chosen.name);
    const distance = (stats?.distanceType ?? String(chosen.indexDetails?.metric_type ?? 'l2')).toLowerCase();
    const partitions = chosen.indexUuid ? readPartitionsSafely(join(tableDir, '_indices', chosen.indexUuid)) : undefined;
    const nlist = partitions?.lengths.length;
    const compression = (chosen.indexDetails?.compression ?? {}) as Record<string, unknown>;
    const quantizer = quantizerOf(compression);
    const rowsAtBuild = await rowsWhenCreated(table, chosen.createdAt);
    const indexed = stats?.numIndexedRows ?? chosen.numIndexedRows ?? 0;
    const unindexed = stats?.numUnindexedRows ?? chosen.numUnindexedRows ?? 0;
    const description: IndexDescription = {
      engine: 'lancedb',
      type: stats?.indexType ?? chosen.indexType,
      metric: METRICS[distance] ?? 'other',
      metricSource: 'index',
      normalizesInput: distance === 'cosine',
      trained: true,
      ntotal: indexed,
      params: {
        name: chosen.name,
        distanceType: distance,
        nprobes: LANCEDB_DEFAULT_NPROBES,
        ...(nlist ? { numPartitions: nlist } : {}),
        ...(quantizer.m ? { numSubVectors: quantizer.m } : {}),
        ...(quantizer.nbits ? { numBits: quantizer.nbits } : {}),
      },
      ...(partitions && nlist
        ? {
            ivf: {
              nlist,
              nprobe: Math.min(LANCEDB_DEFAULT_NPROBES, nlist),
              listSizes: partitions.lengths,
              ...(partitions.centroids ? { centroids: partitions.centroids } : {}),
            },
          }
        : {}),
      quantizer,
      unindexedRows: unindexed,
      ...(rowsAtBuild !== undefined
        ? {
            build: {
              rowsAtBuild,
              rowsAfterBuild: Math.max(0, indexed + unindexed - rowsAtBuild),
              method: "the table's version history at the index's creation time",
              ...(nlist ? { listsTrained: nlist } : {}),
            },
          }
        : {}),
    };
    return { description, distance, ...(nlist ? { nlist } : {}) };
  }

  /**
   * Rows deleted since the last compaction, from the latest version's own summary: LanceDB marks
   * deletions in deletion files beside the data, and its index keeps their entries (filtered out at
   * search time) until compaction and reindexing.
   */
  async deletedRows(): Promise<DeletedRowFacts> {
    const { rows } = await this.describe();
    const versions = await this.guard('list table versions', () => this.table.listVersions());
    const latest = versions.reduce<(typeof versions)[number] | undefined>((best, version) => (best === undefined || version.version > best.version ? version : best), undefined);
    const metadata = latest?.metadata ?? {};
    const number = (key: string): number | null => (metadata[key] === undefined || !Number.isFinite(Number(metadata[key])) ? null : Number(metadata[key]));
    const deleted = number('total_deletion_file_rows');
    const cleanup = `compact the table and rebuild its index: table.optimize() (compaction drops deleted rows and reindexes), then table.cleanupOlderVersions() to free the old files`;
    // LanceDB's compaction rewrites a fragment once a tenth of its rows are deleted (materialize_deletions_threshold 0.1).
    const cleanupAt = { share: 0.1, rule: "LanceDB's compaction (materialize_deletions_threshold 0.1)" };
    const facts = {
      version: latest?.version ?? null,
      versions: versions.length,
      deletionFiles: number('total_deletion_files'),
      physicalRows: number('total_data_file_rows'),
      fragments: number('total_fragments'),
    };
    if (deleted === null) {
      return { method: 'LanceDB version metadata', liveRows: rows, deletedRows: null, facts, cleanup, cleanupAt, unavailable: "this LanceDB version's metadata does not record deleted rows (total_deletion_file_rows)" };
    }
    return {
      method: `LanceDB version ${latest?.version} metadata (total_deletion_file_rows: rows marked deleted in deletion files, still in the data files and the index)`,
      liveRows: rows,
      deletedRows: deleted,
      facts,
      cleanup,
      cleanupAt,
    };
  }

  async pushdownStats(): Promise<PushdownStats> {
    const description = await this.describe();
    const nullRows = await this.guard('count rows', () => this.table.countRows(`${quoteColumn(this.column.name)} IS NULL`));
    return { method: `LanceDB countRows() over ${this.tableName()}`, totalRows: description.rows, nullRows };
  }

  /** Row ids → the `id` column (and `aliases`, written by a deduplicating rebuild); row ids themselves without one. */
  async documentIds(rowIds: readonly string[]): Promise<string[][]> {
    const schema = await this.guard('read the schema', () => this.table.schema());
    const names = schema.fields.map((field) => field.name);
    if (!names.includes('id') || rowIds.length === 0) return rowIds.map((id) => [id]);
    const columns = ['id', ...(names.includes('aliases') ? ['aliases'] : [])];
    const found = await this.guard('read document ids', () =>
      this.table
        .takeRowIds(rowIds.map((id) => BigInt(id)))
        .select(columns)
        .withRowId()
        .toArray(),
    );
    const byRow = new Map(found.map((row) => [String(row._rowid), [String(row.id), ...Array.from((row.aliases ?? []) as ArrayLike<string>, String)]]));
    return rowIds.map((id) => byRow.get(id) ?? [id]);
  }

  /**
   * Document ids among `ids` the table holds: one pass over the `id` (and `aliases`) column, or
   * over the row ids when there is no `id` column (search then answers in row ids).
   */
  async knownDocumentIds(ids: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(ids);
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    const schema = await this.guard('read the schema', () => this.table.schema());
    const names = schema.fields.map((field) => field.name);
    const columns = names.includes('id') ? ['id', ...(names.includes('aliases') ? ['aliases'] : [])] : [this.column.name];
    await this.guard('read document ids', async () => {
      const query = names.includes('id') ? this.table.query().select(columns) : this.table.query().select(columns).withRowId();
      for await (const batch of query) {
        const own = batch.getChild(names.includes('id') ? 'id' : '_rowid');
        const aliases = names.includes('id') ? batch.getChild('aliases') : null;
        for (let i = 0; i < batch.numRows; i++) {
          const id = own?.get(i);
          if (id !== null && id !== undefined && wanted.has(String(id))) found.add(String(id));
          const folded = aliases?.get(i) as ArrayLike<unknown> | null | undefined;
          if (folded) for (const alias of Array.from(folded, String)) if (wanted.has(alias)) found.add(alias);
        }
      }
    });
    return found;
  }

  /** The manifest a rebuild wrote into the vector field's metadata. */
  async storedManifest(): Promise<LoadedManifest | undefined> {
    const { rows } = await this.describe();
    const schema = await this.guard('read the schema', () => this.table.schema());
    const field = schema.fields.find((candidate) => candidate.name === this.column.name);
    return parseStoreManifest(field?.metadata.get(MANIFEST_METADATA_KEY), `metadata of field ${this.column.name} in ${this.tableName()}`, rows);
  }

  protected async load(): Promise<SourceDescription> {
    const rows = await this.guard('count rows', () => this.table.countRows());
    const { dim, storage } = this.column;
    return {
      kind: 'lancedb',
      target: this.target,
      rows,
      rowsExact: true,
      dim,
      storage: { type: storage, bytes: rows * dim * (storage === 'float16' ? 2 : storage === 'float64' ? 8 : 4), lossy: false },
      normTolerance: normToleranceFor(storage, dim),
      local: false,
      ...(this.index ? { index: this.index.description } : {}),
      notes: [
        `LanceDB table ${this.tableName()}, vector column ${this.column.name} (${dim} × ${storage})`,
        ...(this.index
          ? [
              `searches use index ${String(this.index.description.params.name)} (${this.index.description.type}, ${this.index.distance}) with ${/hnsw/i.test(this.index.description.type) ? `ef ${LANCEDB_DEFAULT_EF_PER_K} × k and ` : ''}nprobes ${LANCEDB_DEFAULT_NPROBES} (LanceDB's defaults)`,
            ]
          : ['no vector index: every query is a flat scan']),
      ],
    };
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    await this.describe();
    const collector = new StoreRowCollector(this.column.dim, rows.length);
    for (let start = 0; start < rows.length; start += TAKE_BATCH) {
      const offsets = rows.slice(start, start + TAKE_BATCH);
      const arrow = await this.guard('read sampled rows', () =>
        this.table
          .takeOffsets([...offsets])
          .select([this.column.name])
          .toArrow(),
      );
      // Takes come back in offset order; the offsets asked for are ascending, so positions match.
      if (arrow.numRows !== offsets.length) throw new UsageError(`LanceDB returned ${arrow.numRows} rows for ${offsets.length} offsets`, { where: this.target });
      const values = arrow.getChild(this.column.name);
      offsets.forEach((row, i) => this.addRow(collector, row, values?.get(i)));
    }
    return collector.finish();
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    await this.describe();
    let next = 0;
    const batches = this.table.query().select([this.column.name]);
    for await (const batch of batches) {
      options.signal?.throwIfAborted();
      const values = batch.getChild(this.column.name);
      const collector = new StoreRowCollector(this.column.dim, batch.numRows);
      for (let i = 0; i < batch.numRows; i++) this.addRow(collector, next++, values?.get(i));
      yield collector.finish();
    }
  }

  /** NULL vectors are counted by pushdownStats() (and reported by empty-index), not sampled as broken rows. */
  private addRow(collector: StoreRowCollector, row: number, value: ArrayLike<number> | null | undefined): void {
    if (value === null || value === undefined) return;
    collector.add(row, Float32Array.from(value as ArrayLike<number>));
  }

  private async searchIndex(request: SearchRequest): Promise<SearchResult> {
    const { queries, count, k, exact, params } = request;
    const distance = this.index?.distance ?? 'l2';
    const metric = METRICS[distance];
    if (exact && metric && metric !== 'other') {
      const { rows } = await this.describe();
      if (rows > this.engineExactMaxRows) return this.exactByScan(request, metric, rows);
    }
    const ids: string[][] = [];
    assertSearchSettings(params, ['nprobes', 'refineFactor', 'ef'], 'LanceDB', this.target);
    const dim = this.column.dim;
    const started = performance.now();
    for (let q = 0; q < count && !stopForDeadline(request, q, started); q++) {
      let query = this.table
        .vectorSearch(queries.subarray(q * dim, (q + 1) * dim))
        .column(this.column.name)
        .distanceType(distance as 'l2' | 'cosine' | 'dot')
        .limit(k)
        .withRowId()
        .select(['_distance']);
      if (exact) query = query.bypassVectorIndex();
      if (!exact && params?.nprobes) query = query.nprobes(params.nprobes);
      if (!exact && params?.refineFactor) query = query.refineFactor(params.refineFactor);
      if (!exact && params?.ef) query = query.ef(params.ef);
      const rows = (await query.toArray()) as { _rowid: bigint | number }[];
      ids.push(rows.map((row) => String(row._rowid)));
    }
    return { ids, ...(exact ? { method: FLAT_METHOD } : {}) };
  }

  /**
   * Every query's exact top-k from ONE scan of the vector column (with row ids, the id space the
   * index search answers in), scored client-side batch by batch: Q flat searches cost one scan.
   * With a deadline, stops by throwing SearchBudgetExceeded once the projected end falls after it.
   */
  private async exactByScan(request: SearchRequest, metric: Metric, totalRows: number): Promise<SearchResult> {
    const dim = this.column.dim;
    const stream = new ExactTopKStream({ data: request.queries, count: request.count, dim }, { metric, k: request.k });
    const started = performance.now();
    let block = new Float32Array(0);
    for await (const batch of this.table.query().select([this.column.name]).withRowId()) {
      const values = batch.getChild(this.column.name);
      const rowIds = batch.getChild('_rowid');
      if (block.length < batch.numRows * dim) block = new Float32Array(batch.numRows * dim);
      const ids: string[] = [];
      const flat = flatFloats(values, dim);
      for (let i = 0; i < batch.numRows; i++) {
        if (!values?.isValid(i)) continue;
        if (flat) block.set(flat.subarray(i * dim, (i + 1) * dim), ids.length * dim);
        else block.set(Float32Array.from(values.get(i) as Iterable<number>), ids.length * dim);
        ids.push(String(rowIds?.get(i)));
      }
      stream.add(block, ids.length, ids);
      const now = performance.now();
      if (request.deadline !== undefined && stream.rows < totalRows && stream.rows > 0) {
        const projectedEnd = started + ((now - started) * totalRows) / stream.rows;
        if (projectedEnd > request.deadline) throw new SearchBudgetExceeded('exact scan', (projectedEnd - started) / 1000, stream.rows, totalRows);
      }
    }
    return { ids: stream.result(), method: `one scan of ${this.tableName()}.${this.column.name} with row ids, exact top-k for every query computed client-side (${this.index?.distance ?? 'l2'} ranking)` };
  }

  private tableName(): string {
    return this.table.name;
  }

  protected async disconnect(): Promise<void> {
    this.table.close();
    this.connection.close();
  }
}

/**
 * The float32 values behind a single-chunk FixedSizeList<float32> column as one row-major array
 * (no copy), or undefined for anything else (then rows are read one by one).
 */
function flatFloats(column: { data: readonly { offset: number; children: readonly { offset: number; values: unknown }[] }[] } | null | undefined, dim: number): Float32Array | undefined {
  const chunk = column?.data.length === 1 ? column.data[0] : undefined;
  const child = chunk?.children[0];
  if (!chunk || !child || !(child.values instanceof Float32Array)) return undefined;
  const start = chunk.offset * dim + child.offset;
  return child.values.subarray(start);
}

/** A damaged or unfamiliar index file costs the list sizes, not the check. */
function readPartitionsSafely(indexDir: string): IvfPartitions | undefined {
  try {
    return readIvfPartitions(indexDir);
  } catch {
    return undefined;
  }
}

function quantizerOf(compression: Record<string, unknown>): QuantizerDescription {
  const kind = String(compression.type ?? 'none').toLowerCase();
  if (kind === 'pq') return { kind: 'pq', m: Number(compression.num_sub_vectors) || 0, nbits: Number(compression.num_bits) || 8 };
  if (kind === 'sq') return { kind: 'sq', sqType: `SQ${Number(compression.num_bits) || 8}` };
  return { kind: 'none' };
}

/** Rows in the table when the index was created: the latest table version committed before it. */
async function rowsWhenCreated(table: Table, createdAt: Date | undefined): Promise<number | undefined> {
  if (!createdAt) return undefined;
  const versions = await table.listVersions();
  const before = versions.filter((version) => version.timestamp.getTime() <= createdAt.getTime()).sort((a, b) => b.version - a.version)[0];
  const rows = Number(before?.metadata?.total_rows);
  return Number.isFinite(rows) ? rows : undefined;
}

/** Column names in LanceDB filters are SQL identifiers: backtick-quoted. */
function quoteColumn(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
