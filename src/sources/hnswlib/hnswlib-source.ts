import { assertSearchSettings } from '../search-settings.js';
import { totalmem } from 'node:os';
import type { Metric } from '../../core/policy.js';
import { decodeElements, type ElementType } from '../../io/decode.js';
import { FixedRowSource } from '../files/fixed-row-source.js';
import { LocalFile } from '../files/local-file.js';
import { normToleranceFor } from '../files/norm-tolerance.js';
import type { SelfReferencePlan, SelfReferencing } from '../self-reference.js';
import { exactSearchStored } from '../stored-exact-search.js';
import type { IndexDescription, RowBlock, ScanOptions, ScanSummary, SearchCapability, SearchRequest, SearchResult, SourceDescription, VectorSource } from '../source.js';
import { HEADER_BYTES, readHnswlibHeader, type HnswlibHeader } from './header.js';
import { HNSWLIB_DEFAULT_EF, loadHnswlibLibrary, type LibraryLoad } from './library-search.js';
import { resolveMetric, type MetricResolution } from './metric.js';
import { readSidecar } from './sidecar.js';
import { ElementPass, elementsPerBlock, readElements, walkLinkLists, type HnswlibElements, type HnswlibLevels } from './structure.js';

export interface HnswlibOptions {
  /** The declared metric (--metric): the space, when no args.json says otherwise. */
  readonly metric?: Metric;
}

/**
 * Reading every label costs a pass over the level-0 block; below this size it is done when the
 * file is opened (a fraction of a second), above it during the first full scan, so reading the
 * header and a sample of a multi-GB index stays fast.
 */
const EAGER_ELEMENT_BYTES = 256 << 20;
/** efSearch values to retry at: a parameter fix shows up well before 400 on healthy graphs. */
const EF_SWEEP = [20, 50, 100, 200, 400];
/**
 * hnswlib-node loads the whole index into memory (plus a mutex and a pointer per element of
 * capacity); beyond a quarter of this machine's memory the audit would risk the process.
 */
const LIBRARY_MEMORY_SHARE = 0.25;
/** Per element of capacity beyond its bytes: a std::mutex (40), link-list pointer, level, label map entry. */
const LIBRARY_BYTES_PER_SLOT = 96;
/** Labels of the first deleted elements kept for the report. */
const DELETED_EXAMPLES = 10;
const FLOAT32: ElementType = { storage: 'float32', bytes: 4, littleEndian: true };

/** Open an index written by hnswlib's saveIndex (C++ / Python hnswlib, hnswlib-node, LangChain.js HNSWLib). */
export async function openHnswlib(path: string, options: HnswlibOptions = {}): Promise<HnswlibSource> {
  const file = LocalFile.open(path);
  try {
    const header = readHnswlibHeader(file);
    const levels = walkLinkLists(file, header);
    const elements = header.count * header.elementBytes <= EAGER_ELEMENT_BYTES ? readElements(file, header) : undefined;
    const base: SourceDescription = {
      kind: 'hnswlib',
      target: path,
      rows: header.count,
      rowsExact: true,
      dim: header.dim,
      storage: { type: 'float32', bytes: header.count * header.dim * 4, lossy: false },
      normTolerance: normToleranceFor('float32', header.dim),
      local: true,
    };
    // Each element is [level-0 links | vector | label]: a fixed-size row with a prefix.
    const rows = new FixedRowSource(file, { dataOffset: HEADER_BYTES, rows: header.count, dim: header.dim, element: FLOAT32, rowStride: header.elementBytes, rowPrefix: header.vectorOffset }, base);
    const metric = await resolveMetric(header, rows, readSidecar(path), options.metric);
    return new HnswlibSource({ base, file, header, levels, rows, metric, elements });
  } catch (error) {
    file.close();
    throw error;
  }
}

/** What openHnswlib reads from the file before the source exists. */
export interface HnswlibParts {
  readonly base: SourceDescription;
  readonly file: LocalFile;
  readonly header: HnswlibHeader;
  readonly levels: HnswlibLevels;
  readonly rows: FixedRowSource;
  readonly metric: MetricResolution;
  readonly elements: HnswlibElements | undefined;
}

export class HnswlibSource implements VectorSource, SelfReferencing {
  readonly search?: SearchCapability;
  private library: Promise<LibraryLoad> | undefined;
  /** Set when the audit had to fall back to exact search: the reason, shown in the notes. */
  private fallbackReason: string | undefined;

  private readonly base: SourceDescription;
  private readonly file: LocalFile;
  private readonly header: HnswlibHeader;
  private readonly levels: HnswlibLevels;
  private readonly rows: FixedRowSource;
  private readonly metric: MetricResolution;
  private elements: HnswlibElements | undefined;

  constructor(parts: HnswlibParts) {
    this.base = parts.base;
    this.file = parts.file;
    this.header = parts.header;
    this.levels = parts.levels;
    this.rows = parts.rows;
    this.metric = parts.metric;
    this.elements = parts.elements;
    if (this.metric.searchSpace) {
      this.search = {
        query: (request) => this.searchIndex(request),
        tuning: {
          name: 'efSearch',
          current: HNSWLIB_DEFAULT_EF,
          sweep: EF_SWEEP,
          assumed: `efSearch is not stored in hnswlib files; ${HNSWLIB_DEFAULT_EF} is hnswlib's default (what LangChain.js uses unless the application calls setEf)`,
        },
      };
    }
  }

  async describe(): Promise<SourceDescription> {
    return { ...this.base, index: this.indexDescription(), notes: this.notes() };
  }

  async *scan(options: ScanOptions = {}): AsyncGenerator<RowBlock, ScanSummary | void> {
    const { header } = this;
    const perBlock = options.blockFloats ? Math.max(1, Math.floor(options.blockFloats / header.dim)) : elementsPerBlock(header);
    const blockRows = Math.min(header.count, perBlock);
    const raw = new Uint8Array(blockRows * header.elementBytes);
    const data = new Float32Array(blockRows * header.dim);
    // The scan reads every element anyway: collect labels on the way when they were not read at open.
    const pass = this.elements ? undefined : new ElementPass(this.file, header);
    for (let start = 0; start < header.count; start += perBlock) {
      options.signal?.throwIfAborted();
      const count = Math.min(perBlock, header.count - start);
      const bytes = raw.subarray(0, count * header.elementBytes);
      this.file.readInto(bytes, HEADER_BYTES + start * header.elementBytes, `elements ${start}..${start + count - 1}`);
      pass?.consume(bytes, start, count);
      for (let i = 0; i < count; i++) decodeElements(FLOAT32, { bytes, byteOffset: i * header.elementBytes + header.vectorOffset, count: header.dim, out: data, outOffset: i * header.dim });
      yield { dim: header.dim, count, data: data.subarray(0, count * header.dim), start };
    }
    if (!pass) return;
    this.elements = pass.finish();
    return { description: await this.describe() };
  }

  readRows(rowNumbers: readonly number[]): Promise<RowBlock> {
    return this.rows.readRows(rowNumbers);
  }

  async close(): Promise<void> {
    this.file.close();
  }

  async selfReference(): Promise<SelfReferencePlan> {
    const space = this.metric.searchSpace;
    if (!space) return { usable: false, reason: 'the metric is unknown, so the index cannot be searched' };
    const loaded = await (this.library ??= this.loadLibrary(space));
    // Exact search compared with itself would report a perfect recall that measures nothing.
    if ('reason' in loaded) {
      this.fallbackReason = loaded.reason;
      return { usable: false, reason: `searches run exactly over the stored vectors (${loaded.reason})`, learned: await this.describe() };
    }
    const elements = this.ensureElements();
    const deleted = new Set(elements.deletedRows);
    return {
      usable: true,
      metric: space,
      idOf: (row) => (deleted.has(row) ? undefined : BigInt.asUintN(64, elements.labels[row] as bigint)),
      description: `exact ${space} search over the ${this.header.count - deleted.size} vectors stored in the index`,
      learned: await this.describe(),
    };
  }

  private async searchIndex(request: SearchRequest): Promise<SearchResult> {
    assertSearchSettings(request.params, ['efSearch'], 'hnswlib', this.file.path);
    const space = this.metric.searchSpace as Metric;
    const loaded = await (this.library ??= this.loadLibrary(space));
    if ('library' in loaded) {
      const ef = request.params?.efSearch ?? HNSWLIB_DEFAULT_EF;
      // Loading the library read and validated the labels: the description now has them.
      return { ids: loaded.library.search(request.queries, request.count, this.header.dim, request.k, ef), learned: await this.describe() };
    }
    this.fallbackReason = loaded.reason;
    return { ...(await this.exactOverStoredVectors(request, space)), learned: await this.describe() };
  }

  private async loadLibrary(space: Metric): Promise<LibraryLoad> {
    const elements = this.ensureElements(); // validates every link before native code walks the graph
    const labelLimit = BigInt(Number.MAX_SAFE_INTEGER);
    if (elements.labels.some((label) => BigInt.asUintN(64, label) > labelLimit)) {
      return { reason: 'labels above 2^53 would come back rounded from hnswlib-node' };
    }
    const needed = this.header.maxElements * (this.header.elementBytes + LIBRARY_BYTES_PER_SLOT);
    const budget = totalmem() * LIBRARY_MEMORY_SHARE;
    if (needed > budget) {
      return { reason: `loading it into hnswlib-node would take about ${(needed / 2 ** 30).toFixed(1)} GiB (capacity ${this.header.maxElements} elements), over a quarter of this machine's memory` };
    }
    return loadHnswlibLibrary(this.base.target, space, this.header.dim);
  }

  /** The fallback when hnswlib-node cannot load the file: exact top-k over the stored vectors, ids = labels. */
  private exactOverStoredVectors(request: SearchRequest, space: Metric): Promise<SearchResult> {
    const elements = this.ensureElements();
    const deleted = new Set(elements.deletedRows);
    return exactSearchStored(this, request, this.header.dim, space, (row) => (deleted.has(row) ? undefined : BigInt.asUintN(64, elements.labels[row] as bigint)));
  }

  private ensureElements(): HnswlibElements {
    this.elements ??= readElements(this.file, this.header);
    return this.elements;
  }

  private indexDescription(): IndexDescription {
    const { header, metric, elements } = this;
    return {
      engine: 'hnswlib',
      type: 'hnsw',
      ...(metric.metric ? { metric: metric.metric } : {}),
      metricSource: metric.source,
      normalizesInput: metric.metric === 'cosine',
      trained: true,
      ntotal: header.count,
      params: {
        M: header.M,
        maxM0: header.maxM0,
        efConstruction: header.efConstruction,
        efSearch: HNSWLIB_DEFAULT_EF,
        maxElements: header.maxElements,
        maxLevel: header.maxLevel,
        entryPoint: header.entryPoint,
        ...(elements ? { deleted: elements.deletedRows.length, isolated: elements.isolatedRows } : {}),
      },
      ...(elements ? { ids: { values: elements.labels, kind: 'labels' as const } } : {}),
      ...(elements && elements.deletedRows.length > 0
        ? {
            deletedRows: {
              count: elements.deletedRows.length,
              entries: header.count,
              examples: elements.deletedRows.slice(0, DELETED_EXAMPLES).map((row) => BigInt.asUintN(64, elements.labels[row] as bigint).toString()),
              // hnswalg.h: searchBaseLayerST follows a marked element's links but never adds it to the results.
              stillRoute: true,
              method: "hnswlib's delete mark (bit 0 of byte 2 of each element's level-0 link-list header)",
            },
          }
        : {}),
    };
  }

  private notes(): string[] {
    const { header, elements } = this;
    const notes = [...this.metric.notes];
    notes.push(`graph: M ${header.M}, efConstruction ${header.efConstruction}, ${this.levels.elementsPerLevel.length} levels, capacity ${header.maxElements} elements.`);
    if (!elements) notes.push('labels not read when opening (large index): they are read during the full scan.');
    if (elements && elements.deletedRows.length > 0) {
      notes.push(`${elements.deletedRows.length} elements are marked deleted: searches skip them, but their vectors are still in the file and in these statistics.`);
    }
    if (elements && elements.isolatedRows > 0) notes.push(`${elements.isolatedRows} elements have no level-0 neighbours: graph search can only reach them as the entry point.`);
    if (this.fallbackReason) {
      notes.push(`ANN audit: ${this.fallbackReason}; searches fall back to exact search over the stored vectors, so only a --vectors reference can measure recall.`);
    }
    return notes;
  }
}
