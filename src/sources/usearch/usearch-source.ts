import { assertSearchSettings } from '../search-settings.js';
import type { Metric } from '../../core/policy.js';
import { InputError } from '../../errors.js';
import { FixedRowSource } from '../files/fixed-row-source.js';
import { LocalFile } from '../files/local-file.js';
import { normToleranceFor } from '../files/norm-tolerance.js';
import type { SelfReferencePlan, SelfReferencing } from '../self-reference.js';
import { exactSearchStored } from '../stored-exact-search.js';
import type { IndexDescription, RowBlock, ScanOptions, SearchCapability, SearchRequest, SearchResult, SourceDescription, VectorSource } from '../source.js';
import { readLevels, readNodes, type UsearchNodes } from './graph.js';
import { readUsearchLayout, type UsearchLayout } from './layout.js';
import { loadUsearchLibrary, USEARCH_DEFAULT_EXPANSION, type UsearchLoad } from './library-search.js';

/** Node tapes up to this size are read when opening (keys for id checks); larger ones on first need. */
const EAGER_NODE_BYTES = 256 << 20;
/** expansion_search values to retry at. */
const EXPANSION_SWEEP = [128, 256, 512];
/** usearch metric names and the metric each ranks like (l2sq orders exactly like l2). */
const METRIC_OF: Readonly<Record<string, Metric>> = { cos: 'cosine', ip: 'ip', l2sq: 'l2' };
/** Live rows read per scan block when deleted slots must be skipped. */
const SCAN_BLOCK_ROWS = 16_384;

/** Open an index written by usearch's `Index.save()` (C++, Python, JavaScript, ... bindings, format 2.x). */
export async function openUsearch(path: string): Promise<UsearchSource> {
  const file = LocalFile.open(path);
  try {
    const layout = readUsearchLayout(file);
    const levels = readLevels(file, layout);
    // Which slots are deleted is only in the node tapes: read them now when rows depend on it.
    const eager = layout.deleted > 0 || file.size - layout.nodesOffset <= EAGER_NODE_BYTES;
    const nodes = eager ? readNodes(file, layout, levels) : undefined;
    const base: SourceDescription = {
      kind: 'usearch',
      target: path,
      rows: layout.present,
      rowsExact: true,
      dim: layout.dim,
      storage: { type: layout.scalar.storage, bytes: layout.slots * layout.rowBytes, lossy: layout.scalar.normalizes },
      normTolerance: normTolerance(layout),
      local: true,
    };
    const slots = new FixedRowSource(
      file,
      { dataOffset: layout.vectorsOffset, rows: layout.slots, dim: layout.dim, element: { storage: layout.scalar.storage, bytes: layout.scalar.bytes, littleEndian: true }, rowStride: layout.rowBytes, rowPrefix: 0 },
      base,
    );
    return new UsearchSource({ path, base, file, layout, levels, slots, nodes });
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * int8/uint8 store round(127·x/‖x‖) truncated toward zero: decoded norms fall short of 1 by up to
 * √dim/127 (√dim/255), in practice a few percent. Float kinds round only.
 */
function normTolerance(layout: UsearchLayout): number {
  if (layout.scalar.storage === 'int8') return Math.min(0.5, Math.sqrt(layout.dim) / 127);
  if (layout.scalar.storage === 'uint8') return Math.min(0.5, Math.sqrt(layout.dim) / 255);
  return normToleranceFor(layout.scalar.storage, layout.dim);
}

/** What openUsearch reads from the file before the source exists. */
export interface UsearchParts {
  readonly path: string;
  readonly base: SourceDescription;
  readonly file: LocalFile;
  readonly layout: UsearchLayout;
  readonly levels: Int16Array;
  readonly slots: FixedRowSource;
  readonly nodes: UsearchNodes | undefined;
}

export class UsearchSource implements VectorSource, SelfReferencing {
  readonly search: SearchCapability = {
    query: (request) => this.searchIndex(request),
    tuning: {
      name: 'expansion_search',
      current: USEARCH_DEFAULT_EXPANSION,
      sweep: EXPANSION_SWEEP,
      assumed: `expansion_search is not stored in usearch files; ${USEARCH_DEFAULT_EXPANSION} is usearch's default`,
      aliases: ['efSearch'],
    },
  };
  private library: Promise<UsearchLoad> | undefined;
  private libraryProblem: string | undefined;
  /** Slot of each live row, when deleted slots have to be skipped. */
  private readonly slotOfRow: Uint32Array | undefined;

  private readonly path: string;
  private readonly base: SourceDescription;
  private readonly file: LocalFile;
  private readonly layout: UsearchLayout;
  private readonly levels: Int16Array;
  private readonly slots: FixedRowSource;
  private nodes: UsearchNodes | undefined;

  constructor(parts: UsearchParts) {
    this.path = parts.path;
    this.base = parts.base;
    this.file = parts.file;
    this.layout = parts.layout;
    this.levels = parts.levels;
    this.slots = parts.slots;
    this.nodes = parts.nodes;
    const { layout, nodes } = parts;
    if (layout.deleted > 0 && nodes) {
      const deleted = new Set(nodes.deletedSlots);
      this.slotOfRow = new Uint32Array(layout.present);
      let row = 0;
      for (let slot = 0; slot < layout.slots; slot++) if (!deleted.has(slot)) this.slotOfRow[row++] = slot;
    }
  }

  async describe(): Promise<SourceDescription> {
    return { ...this.base, index: this.indexDescription(), notes: this.notes() };
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    if (!this.slotOfRow) {
      for await (const block of this.slots.scan(options)) yield this.scaled(block);
      return;
    }
    for (let start = 0; start < this.layout.present; start += SCAN_BLOCK_ROWS) {
      options.signal?.throwIfAborted();
      const rows = Array.from({ length: Math.min(SCAN_BLOCK_ROWS, this.layout.present - start) }, (_, i) => start + i);
      const block = await this.readRows(rows);
      yield { dim: block.dim, count: block.count, data: block.data, start };
    }
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    const mapping = this.slotOfRow;
    const block = await this.slots.readRows(mapping ? rows.map((row) => mapping[row] as number) : rows);
    return { ...this.scaled(block), start: rows[0] ?? 0, rows };
  }

  async close(): Promise<void> {
    this.file.close();
  }

  private async searchIndex(request: SearchRequest): Promise<SearchResult> {
    assertSearchSettings(request.params, ['expansion_search'], 'usearch', this.path);
    const loaded = await this.loadLibrary();
    if ('library' in loaded) {
      const expansion = request.params?.expansion_search ?? USEARCH_DEFAULT_EXPANSION;
      // Loading the library read and validated the nodes: the description now has the keys.
      return { ids: loaded.library.search(request.queries, request.count, request.k, expansion), learned: await this.describe() };
    }
    return { ...(await this.exactOverStoredVectors(request)), learned: await this.describe() };
  }

  /** The fallback when the usearch package cannot load the file: exact top-k over the stored vectors, ids = keys. */
  private exactOverStoredVectors(request: SearchRequest): Promise<SearchResult> {
    const metric = METRIC_OF[this.layout.metric];
    if (!metric) {
      throw new InputError(`cannot search this usearch index: ${this.libraryProblem}, and exact search under its '${this.layout.metric}' metric is not implemented`, {
        where: this.path,
        hint: 'run without --vectors to check the stored vectors alone',
      });
    }
    const nodes = this.ensureNodes();
    const slotOf = (row: number): number => (this.slotOfRow ? (this.slotOfRow[row] as number) : row);
    return exactSearchStored(this, request, this.layout.dim, this.layout.scalar.normalizes ? 'cosine' : metric, (row) => BigInt.asUintN(64, nodes.keys[slotOf(row)] as bigint));
  }

  async selfReference(): Promise<SelfReferencePlan> {
    const loaded = await this.loadLibrary();
    if ('reason' in loaded) return { usable: false, reason: loaded.reason, learned: await this.describe() };
    const nodes = this.ensureNodes();
    const metric = METRIC_OF[this.layout.metric];
    if (!metric) return { usable: false, reason: `exact search under usearch's '${this.layout.metric}' metric is not implemented`, learned: await this.describe() };
    const slotOf = (row: number): number => (this.slotOfRow ? (this.slotOfRow[row] as number) : row);
    return {
      usable: true,
      metric: this.layout.scalar.normalizes ? 'cosine' : metric,
      idOf: (row) => BigInt.asUintN(64, nodes.keys[slotOf(row)] as bigint),
      description: `exact ${metric} search over the ${this.layout.present} vectors stored in the index`,
      learned: await this.describe(),
    };
  }

  private loadLibrary(): Promise<UsearchLoad> {
    this.library ??= (async () => {
      this.ensureNodes(); // every link validated before native code walks the graph
      const loaded = await loadUsearchLibrary(this.path, this.layout);
      if ('reason' in loaded) this.libraryProblem = loaded.reason;
      return loaded;
    })();
    return this.library;
  }

  private ensureNodes(): UsearchNodes {
    this.nodes ??= readNodes(this.file, this.layout, this.levels);
    return this.nodes;
  }

  /** int8/uint8 components back to the unit scale usearch encoded them from. */
  private scaled(block: RowBlock): RowBlock {
    const scale = this.layout.scalar.scale;
    if (scale !== 1) for (let i = 0; i < block.data.length; i++) block.data[i] = (block.data[i] as number) * scale;
    return block;
  }

  private indexDescription(): IndexDescription {
    const { layout, nodes } = this;
    const metric = METRIC_OF[layout.metric];
    // Keys of live rows only, in row order: deleted slots are not rows.
    const keys = nodes && this.slotOfRow ? BigInt64Array.from(this.slotOfRow, (slot) => nodes.keys[slot] as bigint) : nodes?.keys;
    return {
      engine: 'usearch',
      type: 'hnsw',
      metric: metric ?? 'other',
      metricSource: 'index',
      normalizesInput: layout.metric === 'cos' || layout.scalar.normalizes,
      trained: true,
      ntotal: layout.present,
      params: {
        metric: layout.metric,
        scalar: layout.scalar.name,
        connectivity: layout.connectivity,
        connectivityBase: layout.connectivityBase,
        expansion_search: USEARCH_DEFAULT_EXPANSION,
        maxLevel: layout.maxLevel,
        deleted: 0, // deleted slots are not rows of this source
        deletedSlots: layout.deleted,
        multi: layout.multi,
        version: layout.version,
      },
      ...(keys ? { ids: { values: keys, kind: 'labels' as const } } : {}),
      ...(layout.deleted > 0
        ? {
            deletedRows: {
              count: layout.deleted,
              entries: layout.slots,
              // A removed entry's key is overwritten with the free key: its original id is gone.
              examples: [],
              // index.hpp: remove() only marks the slot; its node keeps its links until the index is compacted.
              stillRoute: true,
              method: "usearch's count_deleted header field (slots whose key is the free key)",
            },
          }
        : {}),
    };
  }

  private notes(): string[] {
    const { layout } = this;
    const notes = [`usearch ${layout.version} index: metric '${layout.metric}', ${layout.scalar.name} vectors, connectivity ${layout.connectivity}.`];
    if (layout.scalar.normalizes) notes.push(`${layout.scalar.name} storage: usearch normalized every vector to unit length before quantizing it, whatever the metric; read-back values are decoded approximations.`);
    if (layout.deleted > 0) notes.push(`${layout.deleted} removed entries still occupy slots in the file; they are left out of every statistic here.`);
    if (!this.nodes) notes.push('keys not read when opening (large graph): id checks are skipped.');
    if (this.libraryProblem) {
      notes.push(`ANN audit: ${this.libraryProblem}; searches fall back to exact search over the stored vectors, so only a --vectors reference can measure recall.`);
    }
    return notes;
  }
}
