import { InputError } from '../../../errors.js';
import type { LocalFile } from '../../files/local-file.js';
import type { HnswNode } from '../index-tree.js';
import type { RowReader } from '../row-reader.js';
import type { SearchMetric } from './scoring.js';

/** The neighbour table is loaded whole up to this size (256 MB); beyond, each node's list is read when visited. */
const NEIGHBORS_IN_MEMORY_BYTES = 256 << 20;
/** Stored vectors are decoded into memory for search up to this many floats (256 MB). */
const VECTORS_IN_MEMORY_FLOATS = 1 << 26;
/** On-demand decoding keeps this many recently visited vectors. */
const VECTOR_CACHE_ROWS = 1 << 16;
/** Offsets are verified in pieces of this many values. */
const OFFSETS_PER_READ = 1 << 16;

/**
 * FAISS's HNSW search over the graph stored in the file: greedy descent from the entry point
 * through the upper levels, then a best-first beam of width max(efSearch, k) on level 0 (the
 * unbounded-queue variant of HNSW::search). Distances are FAISS's: squared L2, or −inner product.
 * Graph contents are validated as they are loaded, so a corrupt graph is an InputError, never a hang.
 */
export class HnswSearcher {
  private levels: Int32Array | undefined;
  private offsets: Float64Array | undefined;
  private neighbors: Int32Array | undefined;
  private vectors: VectorAccess | undefined;
  private visitedTag = new Uint32Array(0);
  private tag = 0;

  constructor(
    private readonly file: LocalFile,
    private readonly node: HnswNode,
    private readonly rows: RowReader,
    private readonly metric: SearchMetric,
  ) {}

  search(queries: Float32Array, count: number, k: number, efSearch: number): number[][] {
    const ntotal = this.node.header.ntotal;
    if (ntotal === 0 || k <= 0) return Array.from({ length: count }, () => []);
    this.load();
    const dim = this.node.header.d;
    const results: number[][] = [];
    for (let q = 0; q < count; q++) results.push(this.searchOne(queries.subarray(q * dim, (q + 1) * dim), k, Math.max(efSearch, k)));
    return results;
  }

  private searchOne(query: Float32Array, k: number, ef: number): number[] {
    const graph = this.node.graph;
    let nearest = graph.entryPoint;
    let nearestDistance = this.distance(query, nearest);
    for (let level = graph.maxLevel; level >= 1; level--) {
      // Greedy: move to a closer neighbour until none is closer (each move strictly improves: it ends).
      for (let moved = true; moved; ) {
        moved = false;
        for (const neighbor of this.neighborsOf(nearest, level)) {
          const distance = this.distance(query, neighbor);
          if (distance < nearestDistance) {
            nearest = neighbor;
            nearestDistance = distance;
            moved = true;
          }
        }
      }
    }
    return this.beam(query, nearest, nearestDistance, ef).slice(0, k);
  }

  /** Level-0 best-first search; returns node ids sorted by distance. */
  private beam(query: Float32Array, start: number, startDistance: number, ef: number): number[] {
    const tag = this.nextTag();
    const candidates = new Heap(false);
    const results = new Heap(true);
    candidates.push(startDistance, start);
    results.push(startDistance, start);
    this.visitedTag[start] = tag;
    while (candidates.size > 0) {
      const distance = candidates.topDistance();
      if (results.size >= ef && distance > results.topDistance()) break;
      const current = candidates.pop();
      for (const neighbor of this.neighborsOf(current, 0)) {
        if (this.visitedTag[neighbor] === tag) continue;
        this.visitedTag[neighbor] = tag;
        const d = this.distance(query, neighbor);
        if (results.size < ef || d < results.topDistance()) {
          candidates.push(d, neighbor);
          results.push(d, neighbor);
          if (results.size > ef) results.pop();
        }
      }
    }
    return results.sortedIds();
  }

  private distance(query: Float32Array, node: number): number {
    const vector = this.vectors!.get(node);
    let sum = 0;
    if (this.metric === 'ip') {
      for (let j = 0; j < query.length; j++) sum += (query[j] as number) * (vector[j] as number);
      return Number.isNaN(sum) ? Infinity : -sum;
    }
    for (let j = 0; j < query.length; j++) sum += ((query[j] as number) - (vector[j] as number)) ** 2;
    return Number.isNaN(sum) ? Infinity : sum;
  }

  /** Neighbours of `node` at `level` (−1 ends a list); none when the node does not reach that level. */
  private *neighborsOf(node: number, level: number): Generator<number> {
    const levels = this.levels!;
    if (level >= (levels[node] as number)) return;
    const cum = this.node.graph.cumNeighbors;
    const begin = (this.offsets![node] as number) + (cum[level] as number);
    const end = (this.offsets![node] as number) + (cum[level + 1] as number);
    const list = this.neighbors ? this.neighbors.subarray(begin, end) : this.readNeighbors(begin, end);
    for (const neighbor of list) {
      if (neighbor < 0) return;
      yield neighbor;
    }
  }

  private readNeighbors(begin: number, end: number): Int32Array {
    const bytes = this.file.read(this.node.graph.neighborsOffset + begin * 4, (end - begin) * 4, 'HNSW neighbour lists');
    return this.checkedNeighbors(bytes, end - begin, this.node.graph.neighborsOffset + begin * 4);
  }

  private checkedNeighbors(bytes: Uint8Array, count: number, fileOffset: number): Int32Array {
    const ntotal = this.node.header.ntotal;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const value = view.getInt32(i * 4, true);
      if (value < -1 || value >= ntotal) this.corrupt(`HNSW neighbour ${value} is not a node of ${ntotal}`, fileOffset + i * 4);
      out[i] = value;
    }
    return out;
  }

  /** Levels, offsets (verified against what the levels imply), neighbours and vectors, once. */
  private load(): void {
    if (this.levels) return;
    const { graph, header } = this.node;
    const ntotal = header.ntotal;
    const cum = graph.cumNeighbors;
    const levelBytes = this.file.read(graph.levelsOffset, ntotal * 4, 'HNSW node levels');
    const levelView = new DataView(levelBytes.buffer, levelBytes.byteOffset, levelBytes.byteLength);
    const levels = new Int32Array(ntotal);
    const offsets = new Float64Array(ntotal + 1);
    for (let i = 0; i < ntotal; i++) {
      const level = levelView.getInt32(i * 4, true);
      if (level < 1 || level >= cum.length) this.corrupt(`HNSW node ${i} has level ${level}, outside 1..${cum.length - 1}`, graph.levelsOffset + i * 4);
      levels[i] = level;
      offsets[i + 1] = (offsets[i] as number) + (cum[level] as number);
    }
    if ((offsets[ntotal] as number) > graph.neighborsCount) {
      this.corrupt(`the HNSW levels need ${offsets[ntotal]} neighbour slots but only ${graph.neighborsCount} are stored`, graph.neighborsOffset - 8);
    }
    if ((levels[graph.entryPoint] as number) !== graph.maxLevel + 1) {
      this.corrupt(`the HNSW entry point ${graph.entryPoint} is not on the top level ${graph.maxLevel}`, graph.levelsOffset + graph.entryPoint * 4);
    }
    for (let start = 0; start <= ntotal; start += OFFSETS_PER_READ) {
      const n = Math.min(OFFSETS_PER_READ, ntotal + 1 - start);
      const bytes = this.file.read(graph.offsetsOffset + start * 8, n * 8, 'HNSW neighbour offsets');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) {
        if (Number(view.getBigUint64(i * 8, true)) !== offsets[start + i]) {
          this.corrupt(`HNSW offset ${start + i} disagrees with the node levels`, graph.offsetsOffset + (start + i) * 8);
        }
      }
    }
    if (graph.neighborsCount * 4 <= NEIGHBORS_IN_MEMORY_BYTES) {
      const bytes = this.file.read(graph.neighborsOffset, graph.neighborsCount * 4, 'HNSW neighbour lists');
      this.neighbors = this.checkedNeighbors(bytes, graph.neighborsCount, graph.neighborsOffset);
    }
    this.vectors = new VectorAccess(this.rows);
    this.visitedTag = new Uint32Array(ntotal);
    this.levels = levels;
    this.offsets = offsets;
  }

  private nextTag(): number {
    this.tag++;
    if (this.tag === 0xffffffff) {
      this.visitedTag.fill(0);
      this.tag = 1;
    }
    return this.tag;
  }

  private corrupt(message: string, byteOffset: number): never {
    throw new InputError(message, { where: this.file.path, byteOffset, hint: 'the HNSW graph is corrupt; rebuild the index' });
  }
}

/** Decoded stored vectors by node id: all in memory when they fit, else read on demand with a cache. */
class VectorAccess {
  private readonly all: Float32Array | undefined;
  private readonly cache = new Map<number, Float32Array>();

  constructor(private readonly rows: RowReader) {
    this.all = rows.all(VECTORS_IN_MEMORY_FLOATS);
  }

  get(node: number): Float32Array {
    const dim = this.rows.layout.dim;
    if (this.all) return this.all.subarray(node * dim, (node + 1) * dim);
    let vector = this.cache.get(node);
    if (!vector) {
      vector = this.rows.read([node]);
      if (this.cache.size >= VECTOR_CACHE_ROWS) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(node, vector);
    }
    return vector;
  }
}

/** Binary heap of (distance, id): a min-heap, or a max-heap when `max`. */
class Heap {
  private distances = new Float64Array(64);
  private ids = new Int32Array(64);
  size = 0;

  constructor(private readonly max: boolean) {}

  topDistance(): number {
    return this.distances[0] as number;
  }

  push(distance: number, id: number): void {
    if (this.size === this.distances.length) {
      const distances = new Float64Array(this.size * 2);
      distances.set(this.distances);
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.distances = distances;
      this.ids = ids;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(distance, this.distances[parent] as number)) break;
      this.distances[i] = this.distances[parent] as number;
      this.ids[i] = this.ids[parent] as number;
      i = parent;
    }
    this.distances[i] = distance;
    this.ids[i] = id;
  }

  pop(): number {
    const top = this.ids[0] as number;
    const size = --this.size;
    const distance = this.distances[size] as number;
    const id = this.ids[size] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.before(this.distances[child + 1] as number, this.distances[child] as number)) child++;
      if (!this.before(this.distances[child] as number, distance)) break;
      this.distances[i] = this.distances[child] as number;
      this.ids[i] = this.ids[child] as number;
      i = child;
    }
    this.distances[i] = distance;
    this.ids[i] = id;
    return top;
  }

  /** Ids by increasing distance (empties the heap). */
  sortedIds(): number[] {
    const pairs: { distance: number; id: number }[] = [];
    for (let i = 0; i < this.size; i++) pairs.push({ distance: this.distances[i] as number, id: this.ids[i] as number });
    this.size = 0;
    return pairs.sort((a, b) => a.distance - b.distance || a.id - b.id).map((pair) => pair.id);
  }

  private before(a: number, b: number): boolean {
    return this.max ? a > b : a < b;
  }
}
