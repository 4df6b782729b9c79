import { assertSearchSettings } from '../search-settings.js';
import { UsageError } from '../../errors.js';
import type { Metric } from '../../core/policy.js';
import { LocalFile } from '../files/local-file.js';
import type { IdDescription, IndexDescription, QuantizerDescription, RowBlock, ScanOptions, SearchCapability, SearchTuning, SearchRequest, SearchResult, SourceDescription, VectorSource } from '../source.js';
import { applyChain, normalizeRows } from './apply-transforms.js';
import { measureCodeUsage } from './code-usage.js';
import type { IndexNode, IvfNode } from './index-tree.js';
import { parseFaissIndex, type ParsedIndex } from './parse-index.js';
import { readRowIds } from './row-ids.js';
import { MAX_CENTROID_FLOATS, resolveIndex, rowLayout, type ResolvedIndex, type RowLayout } from './row-layout.js';
import { RowReader } from './row-reader.js';
import { HnswSearcher } from './search/hnsw-search.js';
import { IvfSearcher } from './search/ivf-search.js';
import { QueryTopK, SCORE_BLOCK_ROWS, type SearchMetric } from './search/scoring.js';

/** FAISS's defaults (IndexIVF::nprobe, HNSW::efSearch): what a file holds when nobody set them. */
const FAISS_DEFAULT_NPROBE = 1;
const FAISS_DEFAULT_EF_SEARCH = 16;
/** Sweeps try the current search parameter doubled, up to this many times. */
const SWEEP_STEPS = 3;

/**
 * A `faiss.write_index` file as a VectorSource.
 *
 * Rows are the stored vectors, reconstructed as float32 (PQ/SQ codes decoded, residuals added back
 * to their centroid), in this order: flat, PQ and SQ storage in storage order (HNSW: its storage's
 * order, which is the node id); IVF list by list (list 0's entries first), each list in stored
 * order. Under a PreTransform, rows live in the transformed space the index stores. ID maps keep
 * the order of the index they wrap, with their ids in `index.ids`.
 *
 * `search` returns the ids FAISS's own search returns (IVF list ids mapped through any IDMap; row
 * numbers, which equal FAISS labels, when no ids are stored), so results compare with a
 * --vectors reference labelled the same way.
 */
export class FaissSource implements VectorSource {
  /** FAISS files have no exact path of their own: exact answers come from --vectors or the stored vectors. */
  readonly search?: SearchCapability;
  private readonly reader: RowReader;
  private readonly description: SourceDescription;
  private readonly ids: IdDescription | undefined;
  private readonly searchMetric: SearchMetric | undefined;
  private hnswSearcher: HnswSearcher | undefined;
  private ivfSearcher: IvfSearcher | undefined;

  private constructor(
    private readonly file: LocalFile,
    private readonly parsed: ParsedIndex,
    private readonly resolved: ResolvedIndex,
    private readonly layout: RowLayout,
    private readonly centroids: Float32Array | undefined,
  ) {
    this.reader = new RowReader(file, layout);
    const notes: string[] = [];
    const idResult = readRowIds(file, resolved, layout);
    if (idResult && 'skipped' in idResult) notes.push(idResult.skipped);
    this.ids = idResult && 'ids' in idResult ? idResult.ids : undefined;
    const metric = metricOf(resolved.root.header.metricType);
    this.searchMetric = metric === 'ip' || metric === 'l2' ? metric : undefined;
    const ivf = resolved.ivf;
    if (this.searchMetric && (!ivf || centroids)) {
      this.search = { query: (request) => Promise.resolve(this.runSearch(request)), tuning: this.tuning() };
    } else if (this.searchMetric && ivf) {
      notes.push('the coarse centroids were not loaded (too large), so the index search is not reproduced');
    }
    this.description = this.describeIndex(notes);
  }

  static open(path: string): FaissSource {
    const file = LocalFile.open(path);
    try {
      const parsed = parseFaissIndex(file);
      const resolved = resolveIndex(parsed.root);
      const centroids = resolved.ivf ? loadCentroids(file, resolved.ivf) : undefined;
      const layout = rowLayout(resolved, centroids, path);
      return new FaissSource(file, parsed, resolved, layout, centroids);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  async describe(): Promise<SourceDescription> {
    return this.description;
  }

  async *scan(options: ScanOptions = {}): AsyncIterable<RowBlock> {
    const { dim } = this.layout;
    const blockRows = options.blockFloats ? Math.max(1, Math.floor(options.blockFloats / Math.max(1, dim))) : undefined;
    for (const block of this.reader.blocks(blockRows, options.signal)) yield { dim, count: block.count, data: block.data, start: block.start };
  }

  async readRows(rows: readonly number[]): Promise<RowBlock> {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      if (!Number.isInteger(row) || row < 0 || row >= this.layout.rows || (i > 0 && row <= (rows[i - 1] as number))) {
        throw new RangeError(`readRows needs ascending distinct rows in 0..${this.layout.rows - 1}, got ${row} at position ${i}`);
      }
    }
    return { dim: this.layout.dim, count: rows.length, data: this.reader.read(rows), start: rows[0] ?? 0, rows };
  }

  async close(): Promise<void> {
    this.file.close();
  }

  /**
   * Whether exact search over the index's own stored vectors is a meaningful reference for
   * auditing its search (the shape of main's SelfReferencing): yes for IVF and HNSW, whose search
   * is approximate; no for exhaustive indexes, exact over the same vectors by construction.
   */
  async selfReference(): Promise<{ readonly usable: true; readonly metric: Metric; readonly idOf: (row: number) => number | bigint; readonly description: string } | { readonly usable: false; readonly reason: string }> {
    if (!this.searchMetric) return { usable: false, reason: `the index metric (FAISS metric_type ${this.resolved.root.header.metricType}) is not searched by vectorclinic` };
    if (!(this.resolved.hnsw || this.resolved.ivf)) return { usable: false, reason: 'an exhaustive index searches its stored vectors exactly by construction' };
    return {
      usable: true,
      metric: this.searchMetric,
      idOf: (row) => this.idOf(row),
      description: `exact ${this.searchMetric === 'ip' ? 'inner-product' : 'L2'} search over the ${this.layout.codec.lossy ? 'decoded ' : ''}vectors stored in the index`,
    };
  }

  private idOf(row: number): number | bigint {
    return this.ids ? (this.ids.values[row] as bigint) : row;
  }

  private runSearch(request: SearchRequest): SearchResult {
    const metric = this.searchMetric!;
    const queries = this.queriesInRowSpace(request);
    const { count, k } = request;
    const dim = this.layout.dim;
    let rows: number[][];
    const hnsw = this.resolved.hnsw;
    const ivf = this.resolved.ivf;
    assertSearchSettings(request.params, hnsw ? ['efSearch'] : ivf ? ['nprobe'] : [], 'this FAISS index', this.file.path);
    if (hnsw) {
      this.hnswSearcher ??= new HnswSearcher(this.file, hnsw, this.reader, metric);
      rows = this.hnswSearcher.search(queries, count, k, request.params?.efSearch ?? hnsw.graph.efSearch);
    } else if (ivf && this.centroids) {
      this.ivfSearcher ??= new IvfSearcher(ivf, this.reader, this.centroids, metric, metricOf(ivf.quantizer.header.metricType) === 'ip' ? 'ip' : 'l2');
      rows = this.ivfSearcher.search(queries, count, k, request.params?.nprobe ?? ivf.nprobe);
    } else {
      const top = new QueryTopK(metric, queries, count, dim, k);
      for (const block of this.reader.blocks(SCORE_BLOCK_ROWS)) top.offer(block.data, block.count, block.start);
      rows = top.results();
    }
    return { ids: rows.map((list) => list.map((row) => this.idOf(row))) };
  }

  /**
   * Queries arrive in the row space (e.g. sampled rows); queries with the PreTransform's input
   * dimension are transformed first, as IndexPreTransform::search does. A chain ending in
   * normalization normalizes row-space queries too (a no-op for rows, which are already unit).
   */
  private queriesInRowSpace(request: SearchRequest): Float32Array {
    const { chain } = this.resolved;
    const dim = this.layout.dim;
    const inputDim = chain[0]?.dIn ?? dim;
    if (request.queries.length === request.count * dim) {
      return chain[chain.length - 1]?.kind === 'normalize' ? normalizeRows(request.queries, request.count, dim) : request.queries;
    }
    if (request.queries.length === request.count * inputDim) {
      const transformed = applyChain(chain, request.queries, request.count);
      if (transformed) return transformed;
      throw new UsageError(`queries of dimension ${inputDim} cannot be transformed here: the index's ${chain.map((t) => t.name).join(' → ')} is not re-applied by vectorclinic`, { where: this.file.path });
    }
    throw new UsageError(`queries must have dimension ${dim}${inputDim !== dim ? ` (or ${inputDim} before the index's transforms)` : ''}`, { where: this.file.path });
  }

  private tuning(): SearchTuning | undefined {
    const { hnsw, ivf } = this.resolved;
    if (hnsw) {
      const limit = (value: number): number => Math.max(value, this.layout.rows);
      const current = hnsw.graph.efSearch;
      return { name: 'efSearch', current, sweep: doublings(current, limit(current)), sweepFrom: (value) => doublings(value, limit(value)), ...unsetDefault('efSearch', current, FAISS_DEFAULT_EF_SEARCH) };
    }
    if (ivf) return { name: 'nprobe', current: ivf.nprobe, sweep: doublings(ivf.nprobe, ivf.nlist), sweepFrom: (value) => doublings(value, ivf.nlist), ...unsetDefault('nprobe', ivf.nprobe, FAISS_DEFAULT_NPROBE) };
    return undefined;
  }

  private describeIndex(notes: string[]): SourceDescription {
    const { root, chain, hnsw, ivf } = this.resolved;
    const { codec, rows, dim } = this.layout;
    if (this.parsed.trailingBytes > 0) notes.push(`${this.parsed.trailingBytes} bytes after the index are ignored`);
    const linear = chain.filter((step) => step.kind !== 'normalize');
    if (linear.length > 0 && chain[0]!.dIn !== dim) notes.push(`vectors are read as the index stores them: after ${chain.map((t) => t.name).join(' → ')} (${chain[0]!.dIn} → ${dim} dimensions)`);
    if (ivf && ivf.quantizer.kind !== 'flat') notes.push(`the coarse quantizer is a ${ivf.quantizer.className}; vectorclinic ranks the centroids exactly`);
    const quantizer = this.quantizerDescription();
    const params: Record<string, number | string | boolean> = { d: root.header.d };
    if (ivf) Object.assign(params, { nlist: ivf.nlist, nprobe: ivf.nprobe, quantizer: ivf.quantizer.className, codeSize: ivf.codeSize });
    if (ivf && ivf.encoding.kind !== 'flat') params.byResidual = ivf.encoding.byResidual;
    if (hnsw) {
      const cum = hnsw.graph.cumNeighbors;
      const m = cum.length > 2 ? (cum[2] as number) - (cum[1] as number) : (cum[1] ?? 0) / 2;
      Object.assign(params, { M: m, efConstruction: hnsw.graph.efConstruction, efSearch: hnsw.graph.efSearch, maxLevel: hnsw.graph.maxLevel });
    }
    if (quantizer?.kind === 'pq') Object.assign(params, { pqM: quantizer.m!, nbits: quantizer.nbits! });
    if (quantizer?.kind === 'sq') params.sqType = quantizer.sqType!;
    const pca = linear.find((step) => step.kind === 'linear' && step.pca);
    if (pca?.kind === 'linear' && pca.pca) params.pcaEigenPower = pca.pca.eigenPower;
    const index: IndexDescription = {
      engine: 'faiss',
      type: typeName(root),
      metric: metricOf(root.header.metricType),
      metricSource: 'index',
      normalizesInput: chain[chain.length - 1]?.kind === 'normalize',
      ...(linear.length > 0
        ? {
            transform: {
              kind: linear.map((step) => (step.kind === 'linear' && step.pca?.randomRotation ? `${step.name} (random rotation)` : step.name)).join(' → '),
              whitening: linear.some((step) => step.kind === 'linear' && step.pca !== undefined && step.pca.eigenPower !== 0),
              inputDim: chain[0]!.dIn,
              outputDim: dim,
            },
          }
        : {}),
      trained: isTrained(root),
      ntotal: root.header.ntotal,
      params,
      ...(ivf ? { ivf: this.ivfDescription(ivf) } : {}),
      ...(this.ids ? { ids: this.ids } : {}),
      ...(quantizer ? { quantizer } : {}),
    };
    return {
      kind: 'faiss',
      target: this.file.path,
      rows,
      rowsExact: true,
      dim,
      storage: { type: codec.storage, bytes: rows * codec.codeSize, lossy: codec.lossy },
      normTolerance: codec.normTolerance,
      local: true,
      index,
      notes,
    };
  }

  private ivfDescription(ivf: IvfNode): NonNullable<IndexDescription['ivf']> {
    const sizes = ivf.lists.sizes;
    const fitsInt32 = sizes.every((size) => size <= 0x7fffffff);
    return {
      nlist: ivf.nlist,
      nprobe: ivf.nprobe,
      listSizes: fitsInt32 ? Int32Array.from(sizes) : Array.from(sizes),
      ...(this.centroids && this.centroids.length === ivf.nlist * ivf.header.d ? { centroids: this.centroids } : {}),
      ...(ivf.encoding.kind !== 'flat' ? { byResidual: ivf.encoding.byResidual } : {}),
      metric: metricOf(ivf.quantizer.header.metricType),
      rowsByList: true,
    };
  }

  private quantizerDescription(): QuantizerDescription | undefined {
    const leaf = this.resolved.leaf;
    const encoding = leaf.kind === 'ivf' ? leaf.encoding : leaf.kind === 'pq' ? { kind: 'pq' as const, pq: leaf.pq } : leaf.kind === 'sq' ? { kind: 'sq' as const, sq: leaf.sq } : undefined;
    if (!encoding || encoding.kind === 'flat') return undefined;
    if (encoding.kind === 'pq') {
      const usage = measureCodeUsage(this.file, this.layout, { pq: encoding.pq });
      return { kind: 'pq', m: encoding.pq.m, nbits: encoding.pq.nbits, codebook: encoding.pq.centroids, ...(usage ? { usage } : {}) };
    }
    const usage = measureCodeUsage(this.file, this.layout, { sq: encoding.sq });
    return { kind: 'sq', sqType: encoding.sq.typeName, ...(usage ? { usage } : {}) };
  }
}

export function openFaiss(path: string): FaissSource {
  return FaissSource.open(path);
}

/** FAISS MetricType → the metrics vectorclinic reasons about. */
function metricOf(metricType: number): Metric | 'other' {
  return metricType === 0 ? 'ip' : metricType === 1 ? 'l2' : 'other';
}

/** The class nesting, e.g. IndexIDMap2(IndexPreTransform(PCAMatrix → IndexFlatIP)). */
function typeName(node: IndexNode): string {
  if (node.kind === 'idmap') return `${node.className}(${typeName(node.sub)})`;
  if (node.kind === 'pretransform') return `${node.className}(${[...node.chain.map((step) => step.name), typeName(node.sub)].join(' → ')})`;
  return node.className;
}

/**
 * Trained when the index holding the vectors is (an IVF's coarse quantizer included) and every
 * transform before it is. Wrappers' own flags are not trusted: IndexIDMap copies its sub-index's
 * flag when constructed, so wrapping an index before training it writes a stale "untrained".
 */
function isTrained(node: IndexNode): boolean {
  switch (node.kind) {
    case 'idmap':
      return isTrained(node.sub);
    case 'pretransform':
      return node.chain.every((step) => step.isTrained) && isTrained(node.sub);
    case 'hnsw':
      return isTrained(node.storage);
    case 'ivf':
      return node.header.isTrained && node.quantizer.header.isTrained;
    default:
      return node.header.isTrained;
  }
}

/** Coarse centroids as float32 rows, when the quantizer stores them readably and they fit in memory. */
function loadCentroids(file: LocalFile, ivf: IvfNode): Float32Array | undefined {
  const quantizer = resolveIndex(ivf.quantizer);
  if (quantizer.leaf.kind === 'ivf') return undefined;
  const count = quantizer.leaf.header.ntotal;
  if (count !== ivf.nlist || count * ivf.header.d > MAX_CENTROID_FLOATS) return undefined;
  return new RowReader(file, rowLayout(quantizer, undefined, file.path)).all(MAX_CENTROID_FLOATS);
}

/** current·2, current·4, ... (at most SWEEP_STEPS values), the last one capped at `limit`. */
/**
 * A stored value equal to FAISS's constructor default says nothing about the application: it is what
 * an index whose setting was never touched holds, and applications set nprobe/efSearch at search
 * time. Such a value is audited as an assumption (stated, not warned on), like hnswlib's efSearch.
 */
function unsetDefault(name: string, value: number, faissDefault: number): { assumed?: string } {
  return value === faissDefault ? { assumed: `the file stores FAISS's default ${name} ${faissDefault}, the value of an index whose ${name} was never set (applications set it at search time)` } : {};
}

function doublings(current: number, limit: number): number[] {
  const values: number[] = [];
  for (let value = current * 2; values.length < SWEEP_STEPS && current < limit; value *= 2) {
    values.push(Math.min(value, limit));
    if (value >= limit) break;
  }
  return values;
}
