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
 * FAISS's HNSW search (HNSW::search, FAISS 1.7.3, default bounded queue) over the graph stored in
 * the file: greedy descent from the entry point through the upper levels, then level 0 with a
 * bounded candidate heap of max(efSearch, k) entries that stops once efSearch processed distances
 * beat the next candidate (check_relative_distance). Heaps break distance ties by id as FAISS's
 * do and distances are rounded to float32, so results match FAISS's own up to float rounding.
 * Distances are FAISS's: squared L2, or −inner product. Graph contents are validated as they are
 * loaded, so a corrupt graph is an InputError, never a hang.
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
    for (let q = 0; q < count; q++) results.push(this.searchOne(queries.subarray(q * dim, (q + 1) * dim), k, efSearch));
    return results;
  }

  private searchOne(query: Float32Array, k: number, efSearch: number): number[] {
    const graph = this.node.graph;
    let nearest = graph.entryPoint;
    let nearestDistance = this.distance(query, nearest);
    for (let level = graph.maxLevel; level >= 1; level--) {
      // greedy_update_nearest: move to a closer neighbour until none is closer (each move improves: it ends).
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
    return this.searchLevel0(query, nearest, nearestDistance, k, efSearch);
  }

  /** search_from_candidates on level 0: returns node ids by increasing distance (ties by id). */
  private searchLevel0(query: Float32Array, start: number, startDistance: number, k: number, efSearch: number): number[] {
    const tag = this.nextTag();
    const candidates = new MinimaxHeap(Math.max(efSearch, k));
    const results = new ResultHeap(k);
    candidates.push(start, startDistance);
    results.add(startDistance, start);
    this.visitedTag[start] = tag;
    while (candidates.size() > 0) {
      const { id: current, distance } = candidates.popMin();
      // More than efSearch already-seen distances beat this candidate: stop.
      if (candidates.countBelow(distance) >= efSearch) break;
      for (const neighbor of this.neighborsOf(current, 0)) {
        if (this.visitedTag[neighbor] === tag) continue;
        this.visitedTag[neighbor] = tag;
        const d = this.distance(query, neighbor);
        results.add(d, neighbor);
        candidates.push(neighbor, d);
      }
    }
    return results.sortedIds();
  }

  private distance(query: Float32Array, node: number): number {
    const vector = this.vectors!.get(node);
    let sum = 0;
    if (this.metric === 'ip') {
      for (let j = 0; j < query.length; j++) sum += (query[j] as number) * (vector[j] as number);
      return Number.isNaN(sum) ? Infinity : Math.fround(-sum);
    }
    for (let j = 0; j < query.length; j++) sum += ((query[j] as number) - (vector[j] as number)) ** 2;
    return Number.isNaN(sum) ? Infinity : Math.fround(sum);
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

// The heaps below are hand-written rather than a library's: reproducing FAISS's results needs its
// exact tie-breaking and its MinimaxHeap's quirks, which no general-purpose heap has.

/** FAISS's CMax order: larger distance first, ties broken by the larger id. */
function above(distanceA: number, idA: number, distanceB: number, idB: number): boolean {
  return distanceA > distanceB || (distanceA === distanceB && idA > idB);
}

/**
 * HNSW::MinimaxHeap of FAISS 1.7.3: a max-heap of at most n (distance, id) pairs; popMin marks the
 * smallest entry popped (id −1) without removing it, and popped entries still count in countBelow.
 */
class MinimaxHeap {
  private readonly ids: Int32Array;
  private readonly distances: Float64Array;
  private k = 0;
  private valid = 0;

  constructor(private readonly n: number) {
    this.ids = new Int32Array(n);
    this.distances = new Float64Array(n);
  }

  size(): number {
    return this.valid;
  }

  push(id: number, distance: number): void {
    if (this.k === this.n) {
      if (distance >= (this.distances[0] as number)) return;
      popTop(this.k--, this.distances, this.ids);
      // As in FAISS 1.7.3: counted out even when the dropped entry had already been popped.
      this.valid--;
    }
    pushHeap(++this.k, this.distances, this.ids, distance, id);
    this.valid++;
  }

  popMin(): { id: number; distance: number } {
    let i = this.k - 1;
    while (i >= 0 && this.ids[i] === -1) i--;
    let best = i;
    for (i--; i >= 0; i--) {
      if (this.ids[i] !== -1 && (this.distances[i] as number) < (this.distances[best] as number)) best = i;
    }
    const id = this.ids[best] as number;
    this.ids[best] = -1;
    this.valid--;
    return { id, distance: this.distances[best] as number };
  }

  countBelow(threshold: number): number {
    let below = 0;
    for (let i = 0; i < this.k; i++) if ((this.distances[i] as number) < threshold) below++;
    return below;
  }
}

/** The k best results so far: FAISS's max-heap of size k (replace the top when a closer one comes). */
class ResultHeap {
  private readonly ids: Int32Array;
  private readonly distances: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.ids = new Int32Array(k);
    this.distances = new Float64Array(k);
  }

  add(distance: number, id: number): void {
    if (this.size < this.k) pushHeap(++this.size, this.distances, this.ids, distance, id);
    else if (distance < (this.distances[0] as number)) replaceTop(this.size, this.distances, this.ids, distance, id);
  }

  /** Ids by increasing distance, ties by increasing id (maxheap_reorder). */
  sortedIds(): number[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (this.distances[a] as number) - (this.distances[b] as number) || (this.ids[a] as number) - (this.ids[b] as number));
    return order.map((i) => this.ids[i] as number);
  }
}

/** faiss::heap_push (CMax) on 1-based positions: element `k` is the new one. */
function pushHeap(k: number, distances: Float64Array, ids: Int32Array, distance: number, id: number): void {
  let i = k;
  while (i > 1) {
    const father = i >> 1;
    if (!above(distance, id, distances[father - 1] as number, ids[father - 1] as number)) break;
    distances[i - 1] = distances[father - 1] as number;
    ids[i - 1] = ids[father - 1] as number;
    i = father;
  }
  distances[i - 1] = distance;
  ids[i - 1] = id;
}

/** faiss::heap_pop (CMax): removes the top of a k-element heap; position k becomes free. */
function popTop(k: number, distances: Float64Array, ids: Int32Array): void {
  siftDown(k, distances, ids, distances[k - 1] as number, ids[k - 1] as number);
}

/** faiss::heap_replace_top (CMax). */
function replaceTop(k: number, distances: Float64Array, ids: Int32Array, distance: number, id: number): void {
  siftDown(k, distances, ids, distance, id);
}

function siftDown(k: number, distances: Float64Array, ids: Int32Array, distance: number, id: number): void {
  let i = 1;
  for (;;) {
    const left = i << 1;
    const right = left + 1;
    if (left > k) break;
    const child = right === k + 1 || above(distances[left - 1] as number, ids[left - 1] as number, distances[right - 1] as number, ids[right - 1] as number) ? left : right;
    if (above(distance, id, distances[child - 1] as number, ids[child - 1] as number)) break;
    distances[i - 1] = distances[child - 1] as number;
    ids[i - 1] = ids[child - 1] as number;
    i = child;
  }
  distances[i - 1] = distance;
  ids[i - 1] = id;
}
