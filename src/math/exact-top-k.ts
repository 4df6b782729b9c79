import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../core/sibling-worker.js';
import type { Metric } from '../core/policy.js';
import { decodeElements } from '../io/decode.js';
import { kernels } from './kernels.js';
import type { Rows } from '../core/rows.js';
import { exactSearchReference, type NeighborLists, type SearchSpec, sharedDim } from './top-k-reference.js';
import { normalizedCopy } from './vectors.js';
import { alignUp, compileBytes, fixedSharedMemory, pagesFor, TAIL_SLACK, type WasmMemory, wasmApi } from './wasm-memory.js';

/**
 * Exact top-k on every core: the fused WebAssembly kernel (src/math/wasm/exact-top-k.wat) scores
 * queries × rows in register tiles and keeps each query's k best as it goes, so no score matrix
 * is ever stored; the rows are split into one contiguous range per thread (this one plus worker
 * threads, all on one shared WebAssembly memory), and the per-thread lists are merged at the end.
 * Rows pass through the shared memory in chunks, so the extra memory is bounded whatever N is.
 *
 * Results are those of `exactSearch` (src/math/top-k.ts), ties aside: same metric conventions
 * (cosine over unit rows, zero rows scoring 0; L2 by 2q·x − ‖x‖²; inner product), same rounding
 * of every dot product, the row seen first kept among equal scores.
 */

/** Next to this module both in src/ (run by tsx) and in dist/ (copied by scripts/copy-assets.mjs). */
const WASM_URL = new URL('./wasm/exact-top-k.wasm', import.meta.url);
const RELAXED_WASM_URL = new URL('./wasm/exact-top-k-relaxed.wasm', import.meta.url);
/** Rows copied into the shared memory per round: big enough to amortize a round, small next to the 4 GiB cap. */
const CHUNK_BYTES = 256 << 20;
/** Rows every query passes over before the next block: ~512 KiB of them stay in the 2 MiB L2 while the queries stream. */
const BLOCK_BYTES = 512 << 10;
/**
 * Below this many multiply-adds one thread finishes before a worker thread has started (~30 ms
 * from dist/ on the 2-core development machine, several times that under tsx).
 */
const PARALLEL_MIN_MULTIPLY_ADDS = 2e9;

export const METRIC_MODES: Readonly<Record<Metric, number>> = { ip: 0, cosine: 1, l2: 2 };
const COSINE_ZERO_NEVER_RANKS = 3;

export interface ExactTopKOptions extends SearchSpec {
  /**
   * Threads to use, this one included. Default: os.availableParallelism(), or one when the
   * search is too small to repay starting workers.
   */
  readonly threads?: number;
  /** Rows copied into the kernel's memory per round (default: 256 MiB of them); bounds the extra memory. */
  readonly chunkRows?: number;
  /** Rows no list may hold (e.g. the queries' own rows when the queries are drawn from the base). */
  readonly excludedRows?: ReadonlySet<number>;
  /** Cosine: zero rows never rank (the streaming search's convention) instead of scoring 0 (exactSearch's). */
  readonly zeroRowsNeverRank?: boolean;
}

/** Element types the engine takes rows in, with their codes in exact-top-k.wat's `widen`. */
export const STORED_ELEMENT_CODES = { float32: 0, float16: 1, bfloat16: 2, int8: 3, uint8: 4 } as const;
export type StoredElement = keyof typeof STORED_ELEMENT_CODES;
const STORED_ELEMENT_BYTES: Readonly<Record<StoredElement, number>> = { float32: 4, float16: 2, bfloat16: 2, int8: 1, uint8: 1 };

/**
 * Rows in their stored element type, little-endian (a float16 or int8 file as read): each thread
 * widens its slice of a chunk to float32 just before scoring it, so no float32 copy of all rows exists.
 */
export interface StoredRows {
  readonly bytes: Uint8Array;
  readonly storage: StoredElement;
  readonly count: number;
  readonly dim: number;
}

/** Base rows as float32 or in their stored type. */
export type BaseRows = Rows | StoredRows;

function isStored(base: BaseRows): base is StoredRows {
  return 'bytes' in base;
}

/** Stored rows widened to float32 all at once: the reference loop's input (the fused kernel widens a slice at a time). */
export function widenedRows(base: BaseRows): Rows {
  if (!isStored(base)) return base;
  const data = new Float32Array(base.count * base.dim);
  decodeElements({ storage: base.storage, bytes: STORED_ELEMENT_BYTES[base.storage], littleEndian: true }, { bytes: base.bytes, byteOffset: 0, count: data.length, out: data, outOffset: 0 });
  return { data, count: base.count, dim: base.dim };
}

export interface TopKExports {
  widen(src: number, dst: number, count: number, storage: number): void;
  prepare_rows(x: number, count: number, dim: number, mode: number, terms: number): void;
  search(q: number, nq: number, x: number, nx: number, dim: number, terms: number, mode: number, k: number, bestScores: number, bestIds: number, sizes: number, firstId: number, blockRows: number, excluded: number): void;
}

/**
 * The two builds of the fused kernel (scripts/build-wasm.mjs): `relaxed-simd` fuses the 2 × 4 tile's
 * multiply-adds into `f32x4.relaxed_madd` (one FMA instruction where the CPU has it; Node 22+, or
 * Node 20 with --experimental-wasm-relaxed-simd), `simd` multiplies then adds (plain SIMD128, every
 * runtime, and the rounding of the reference dot kernel). FMA rounds once instead of twice, so scores
 * may differ from the plain build's in the last bit: lists agree ties aside.
 */
export type TopKKernel = 'relaxed-simd' | 'simd';
const KERNEL_URLS: Readonly<Record<TopKKernel, URL>> = { 'relaxed-simd': RELAXED_WASM_URL, simd: WASM_URL };
/** Tried in this order; VECTORCLINIC_TOPK_KERNEL=simd keeps the plain build. */
const KERNEL_PREFERENCE: readonly TopKKernel[] = ['relaxed-simd', 'simd'];

const compiled = new Map<TopKKernel, object | undefined>();
let chosen: TopKKernel | undefined;
let unavailable = false;

/** The build compiled (once per thread), or undefined when its file is missing or this runtime does not validate it. */
function compiledKernel(kernel: TopKKernel): object | undefined {
  if (!compiled.has(kernel)) {
    try {
      const bytes = readFileSync(KERNEL_URLS[kernel]);
      compiled.set(kernel, wasmApi.validate(bytes) ? compileBytes(bytes) : undefined);
    } catch {
      compiled.set(kernel, undefined);
    }
  }
  return compiled.get(kernel);
}

/** Whether the fused kernel loads here (false when no build is present and valid); picks the build on first call. */
export function fusedTopKAvailable(): boolean {
  if (chosen) return true;
  if (unavailable) return false;
  const order = process.env.VECTORCLINIC_TOPK_KERNEL === 'simd' ? (['simd'] as const) : KERNEL_PREFERENCE;
  chosen = order.find((kernel) => compiledKernel(kernel) !== undefined);
  unavailable = chosen === undefined;
  return !unavailable;
}

/** The build searches run on (undefined when neither loads: the reference loop answers). */
export function topKKernel(): TopKKernel | undefined {
  fusedTopKAvailable();
  return chosen;
}

/** Run later searches on `kernel` (the bench times both builds in one run); false when this runtime cannot load it. */
export function useTopKKernel(kernel: TopKKernel): boolean {
  if (!compiledKernel(kernel)) return false;
  chosen = kernel;
  unavailable = false;
  return true;
}

/** The fused kernel instantiated on `memory`: the chosen build, or the one a worker was told its caller runs. */
export function instantiateTopK(memory: WasmMemory, kernel: TopKKernel | undefined = topKKernel()): TopKExports {
  const module = kernel && compiledKernel(kernel);
  if (!module) throw new Error(`exact top-k: the ${kernel ?? 'fused'} kernel does not load in this runtime`);
  return new wasmApi.Instance(module, { env: { memory } }).exports as TopKExports;
}

/**
 * A round over the chunk in memory: every thread takes slices of `sliceRows` rows from a shared
 * counter until none is left, so a thread the OS slows down (other processes on its core) takes
 * fewer slices instead of holding up the round.
 */
export interface ChunkTask {
  readonly thread: number;
  readonly rows: number;
  readonly sliceRows: number;
  /** Row id of the chunk's first row. */
  readonly chunkStart: number;
}

/** Search slices of the chunk until the shared counter runs past its end. */
export function searchChunk(kernel: TopKExports, layout: Layout, memory: { readonly buffer: ArrayBufferLike }, task: ChunkTask): void {
  const counter = new Int32Array(memory.buffer, layout.counter, 1);
  for (;;) {
    const from = Atomics.add(counter, 0, 1) * task.sliceRows;
    if (from >= task.rows) return;
    searchRange(kernel, layout, { thread: task.thread, from, to: Math.min(task.rows, from + task.sliceRows), chunkStart: task.chunkStart });
  }
}

/** One thread's share of a round: rows [from, to) of the chunk in memory. */
export interface RangeTask {
  readonly thread: number;
  readonly from: number;
  readonly to: number;
  /** Row id of the chunk's first row. */
  readonly chunkStart: number;
}

/** Where everything lives in the shared memory, and the call that searches one range. */
export interface Layout {
  readonly queries: number;
  readonly queryCount: number;
  readonly dim: number;
  readonly mode: number;
  readonly k: number;
  /** Per thread: f64 scores, i32 ids, i32 sizes. */
  readonly states: readonly { readonly scores: number; readonly ids: number; readonly sizes: number }[];
  readonly chunk: number;
  readonly terms: number;
  readonly blockRows: number;
  /** u8 per row, 1 = excluded from every list; 0 when nothing is. */
  readonly excluded: number;
  /** i32: the next slice of the chunk to search. */
  readonly counter: number;
  /** STORED_ELEMENT_CODES of the rows as copied in; 0 (float32) = they are in `chunk` already. */
  readonly storage: number;
  /** Where rows of another type are copied in, before each thread widens its slice into `chunk`. */
  readonly stored: number;
  readonly storedBytes: number;
}

/** Normalize / measure the range's rows, then offer them to the thread's lists. */
export function searchRange(kernel: TopKExports, layout: Layout, task: RangeTask): void {
  const count = task.to - task.from;
  if (count <= 0) return;
  const rowBytes = layout.dim * 4;
  const rows = layout.chunk + task.from * rowBytes;
  const terms = layout.terms + task.from * 4;
  const state = layout.states[task.thread]!;
  if (layout.storage !== 0) kernel.widen(layout.stored + task.from * layout.dim * layout.storedBytes, rows, count * layout.dim, layout.storage);
  kernel.prepare_rows(rows, count, layout.dim, layout.mode, terms);
  kernel.search(layout.queries, layout.queryCount, rows, count, layout.dim, terms, layout.mode, layout.k, state.scores, state.ids, state.sizes, task.chunkStart + task.from, layout.blockRows, layout.excluded);
}

/**
 * Exact k-nearest neighbours of the queries among the base rows under `options.metric`, on
 * `options.threads` threads. Resolves to the same lists as `exactSearch` with a set (or no) `exclude`.
 */
export async function exactTopK(queries: Rows, base: BaseRows, options: ExactTopKOptions): Promise<NeighborLists> {
  // The reference kernels were asked for (VECTORCLINIC_KERNELS=js) or WebAssembly cannot run here.
  if (kernels().name !== 'wasm' || !fusedTopKAvailable()) return exactSearchReference(queries, widenedRows(base), { metric: options.metric, k: options.k, exclude: options.excludedRows });
  const dim = sharedDim(queries, base);
  const threads = options.k > 0 ? threadCount(queries.count, base.count, dim, options.threads) : 1;
  if (threads === 1 || queries.count === 0) return exactTopKSync(queries, base, options);
  const run = new Run({ ...options, queries, baseCount: base.count, threads, storage: storageOf(base) });
  const pool = new WorkerPool({ memory: run.memory, layout: run.layout, kernel: run.kernelName }, threads - 1);
  try {
    const started = await pool.ready.then(
      () => true,
      () => false,
    );
    // Workers that cannot start (thread limits, a sandbox) cost speed, not the answer.
    if (!started) return exactTopKSync(queries, base, options);
    for (let chunkStart = 0; chunkStart < base.count; chunkStart += run.chunkRows) {
      const tasks = run.loadChunk(base, chunkStart, threads);
      const others = pool.run(tasks.slice(1));
      if (tasks[0]) searchChunk(run.kernel, run.layout, run.memory, tasks[0]);
      await others;
    }
  } finally {
    await pool.close();
  }
  return run.result();
}

/** `exactTopK` on the calling thread only, synchronously. */
export function exactTopKSync(queries: Rows, base: BaseRows, options: Omit<ExactTopKOptions, 'threads'>): NeighborLists {
  sharedDim(queries, base);
  const run = new Run({ ...options, queries, baseCount: base.count, threads: 1, storage: storageOf(base) });
  for (let chunkStart = 0; chunkStart < base.count; chunkStart += run.chunkRows) {
    for (const task of run.loadChunk(base, chunkStart, 1)) searchChunk(run.kernel, run.layout, run.memory, task);
  }
  return run.result();
}

function storageOf(base: BaseRows): StoredElement {
  return isStored(base) ? base.storage : 'float32';
}

/** Threads worth using: the requested (or every) core, but one when the work is too small to share. */
export function threadCount(queryCount: number, baseCount: number, dim: number, requested?: number): number {
  if (baseCount === 0 || (requested === undefined && queryCount * baseCount * dim < PARALLEL_MIN_MULTIPLY_ADDS)) return 1;
  const wanted = Math.max(1, Math.floor(requested ?? availableParallelism()));
  return Math.min(wanted, Math.max(1, Math.floor(baseCount / 4)));
}

/** What a search's memory is laid out for. */
interface RunOptions extends Omit<ExactTopKOptions, 'threads'> {
  readonly queries: Rows;
  /** Rows the search may see (an upper bound for streams): sizes the excluded-row mask and caps the chunk. */
  readonly baseCount: number;
  /** Threads that keep lists of their own. */
  readonly threads: number;
  /** The element type rows are copied in as (default float32). */
  readonly storage?: StoredElement;
}

/** One search: the shared memory, its layout, and this thread's kernel instance on it. */
class Run {
  readonly memory: WasmMemory;
  readonly layout: Layout;
  readonly kernel: TopKExports;
  /** The build this search runs on, in every thread. */
  readonly kernelName: TopKKernel;
  readonly chunkRows: number;
  readonly kk: number;
  private readonly queryCount: number;
  private readonly baseCount: number;
  private readonly dim: number;
  private readonly storedBytes: number;

  constructor(options: RunOptions) {
    const { queries, baseCount, threads, metric, k } = options;
    const { count: queryCount, dim } = queries;
    this.queryCount = queryCount;
    this.baseCount = baseCount;
    this.dim = dim;
    const storage = options.storage ?? 'float32';
    this.storedBytes = STORED_ELEMENT_BYTES[storage];
    this.kk = Math.max(0, Math.min(k, baseCount));
    const rowBytes = Math.max(4, dim * 4);
    const chunkRows = options.chunkRows ?? Math.floor(CHUNK_BYTES / rowBytes);
    this.chunkRows = Math.max(1, Math.min(baseCount, Math.floor(chunkRows)));
    const excludedRows = options.excludedRows?.size ? options.excludedRows : undefined;
    let end = 0;
    const take = (bytes: number): number => {
      const at = end;
      end = alignUp(at + bytes + TAIL_SLACK);
      return at;
    };
    const queriesAt = take(queryCount * dim * 4);
    const states = Array.from({ length: threads }, () => ({
      scores: take(queryCount * this.kk * 8),
      ids: take(queryCount * this.kk * 4),
      sizes: take(queryCount * 4),
    }));
    const excludedAt = excludedRows ? take(baseCount) : 0;
    const counterAt = take(4);
    const termsAt = take(this.chunkRows * 4);
    const chunkAt = take(this.chunkRows * dim * 4);
    const storedAt = storage === 'float32' ? 0 : take(this.chunkRows * dim * this.storedBytes);
    const pages = pagesFor(end);
    if (pages === undefined) throw new RangeError(`exact top-k: ${queryCount} queries × ${this.kk} results do not fit in 4 GiB of WebAssembly memory`);
    this.memory = fixedSharedMemory(pages);
    // Cosine ranks unit rows: the queries are normalized here, the rows by each thread as they arrive.
    const unitQueries = metric === 'cosine' ? normalizedCopy(queries.data, queryCount, dim) : queries.data.subarray(0, queryCount * dim);
    new Float32Array(this.memory.buffer, queriesAt, queryCount * dim).set(unitQueries);
    if (excludedRows) {
      const mask = new Uint8Array(this.memory.buffer, excludedAt, baseCount);
      for (const row of excludedRows) if (row >= 0 && row < baseCount) mask[row] = 1;
    }
    this.layout = {
      queries: queriesAt,
      queryCount,
      dim,
      mode: metric === 'cosine' && options.zeroRowsNeverRank ? COSINE_ZERO_NEVER_RANKS : METRIC_MODES[metric],
      k: this.kk,
      states,
      chunk: chunkAt,
      terms: termsAt,
      blockRows: Math.max(4, Math.floor(BLOCK_BYTES / rowBytes) & ~3),
      excluded: excludedAt,
      counter: counterAt,
      storage: STORED_ELEMENT_CODES[storage],
      stored: storedAt,
      storedBytes: this.storedBytes,
    };
    this.kernelName = topKKernel() ?? 'simd';
    this.kernel = instantiateTopK(this.memory, this.kernelName);
  }

  /** Copy the chunk starting at row `chunkStart` into memory and split it into one range per thread. */
  loadChunk(base: BaseRows, chunkStart: number, threads: number): ChunkTask[] {
    const rows = Math.min(this.chunkRows, this.baseCount - chunkStart);
    const [from, to] = [chunkStart * this.dim, (chunkStart + rows) * this.dim];
    const values = isStored(base) ? base.bytes.subarray(from * this.storedBytes, to * this.storedBytes) : base.data.subarray(from, to);
    return this.loadRows(values, rows, chunkStart, threads);
  }

  /** Copy `rows` rows (at most chunkRows) whose first has id `firstId` into memory, one range per thread. */
  loadRows(data: Float32Array | Uint8Array, rows: number, firstId: number, threads: number): ChunkTask[] {
    if (this.kk === 0 || this.queryCount === 0) return [];
    this.copyRows(data, rows, 0);
    return this.startRound(rows, firstId, threads);
  }

  /** Copy `rows` rows into the chunk at row `at` (at + rows ≤ chunkRows): float32 values, or the stored type's bytes. */
  copyRows(data: Float32Array | Uint8Array, rows: number, at: number): void {
    const { dim, storedBytes } = this;
    if (this.layout.storage === 0) {
      new Float32Array(this.memory.buffer, this.layout.chunk + at * dim * 4, rows * dim).set(data.subarray(0, rows * dim));
      return;
    }
    new Uint8Array(this.memory.buffer, this.layout.stored + at * dim * storedBytes, rows * dim * storedBytes).set(data.subarray(0, rows * dim * storedBytes));
  }

  /** The tasks of a round over the first `rows` rows of the chunk, whose first has id `firstId`. */
  startRound(rows: number, firstId: number, threads: number): ChunkTask[] {
    if (this.kk === 0 || this.queryCount === 0 || rows === 0) return [];
    Atomics.store(new Int32Array(this.memory.buffer, this.layout.counter, 1), 0, 0);
    // ~16 slices per thread, in whole L2 blocks (whole tiles of 4 rows): fine enough to even out
    // a slowed thread, coarse enough that taking a slice costs nothing.
    const sliceRows = Math.max(this.layout.blockRows, Math.ceil(rows / (threads * 16) / this.layout.blockRows) * this.layout.blockRows);
    return Array.from({ length: threads }, (_, thread) => ({ thread, rows, sliceRows, chunkStart: firstId }));
  }

  /** Each query's lists of every thread merged: best score first, the lower row among equal scores. */
  result(): NeighborLists {
    const { queryCount, kk } = this;
    const ids = new Int32Array(queryCount * kk).fill(-1);
    const scores = new Float32Array(queryCount * kk).fill(-Infinity);
    const buffer = this.memory.buffer;
    const states = this.layout.states.map((state) => ({
      scores: new Float64Array(buffer, state.scores, queryCount * kk),
      ids: new Int32Array(buffer, state.ids, queryCount * kk),
      sizes: new Int32Array(buffer, state.sizes, queryCount),
    }));
    const candidates: { id: number; score: number }[] = [];
    for (let q = 0; q < queryCount; q++) {
      candidates.length = 0;
      for (const state of states) {
        const size = state.sizes[q] as number;
        for (let i = 0; i < size; i++) candidates.push({ id: state.ids[q * kk + i] as number, score: state.scores[q * kk + i] as number });
      }
      candidates.sort((a, b) => b.score - a.score || a.id - b.id);
      const count = Math.min(kk, candidates.length);
      for (let i = 0; i < count; i++) {
        ids[q * kk + i] = candidates[i]!.id;
        scores[q * kk + i] = candidates[i]!.score;
      }
    }
    return { queries: queryCount, k: kk, ids, scores };
  }
}

/**
 * The fused kernel over rows that arrive in blocks (a store scan, a cursor), on the calling
 * thread: each block passes through the kernel memory once and only the lists are kept, so memory
 * is one chunk plus queries × k whatever the row count. Row ids are positions in the stream.
 */
export class ExactTopKAccumulator {
  private readonly run: Run;
  private seen = 0;

  constructor(queries: Rows, options: Omit<ExactTopKOptions, 'threads'>) {
    const chunkRows = options.chunkRows ?? Math.max(4, Math.floor(STREAM_CHUNK_BYTES / Math.max(4, queries.dim * 4)));
    this.run = new Run({ ...options, queries, baseCount: Number.MAX_SAFE_INTEGER, threads: 1, chunkRows });
  }

  /** Rows offered so far. */
  get rows(): number {
    return this.seen;
  }

  /** Offer `count` rows (row-major `data`); they get positions rows … rows + count − 1. */
  add(data: Float32Array, count: number): void {
    const { dim } = this.run.layout;
    // Positions are int32 inside the kernel.
    if (this.seen + count > 0x7fffffff) throw new RangeError(`exact top-k: more than 2^31 − 1 rows in one stream`);
    for (let start = 0; start < count; start += this.run.chunkRows) {
      const rows = Math.min(this.run.chunkRows, count - start);
      for (const task of this.run.loadRows(data.subarray(start * dim, (start + rows) * dim), rows, this.seen + start, 1)) {
        searchChunk(this.run.kernel, this.run.layout, this.run.memory, task);
      }
    }
    this.seen += count;
  }

  /** Calls `visit` with every position some list holds now. */
  forEachListed(visit: (position: number) => void): void {
    const { queryCount, k, states } = this.run.layout;
    const state = states[0]!;
    const sizes = new Int32Array(this.run.memory.buffer, state.sizes, queryCount);
    const ids = new Int32Array(this.run.memory.buffer, state.ids, queryCount * k);
    for (let q = 0; q < queryCount; q++) for (let i = 0; i < (sizes[q] as number); i++) visit(ids[q * k + i] as number);
  }

  /** Per query, positions best first (−1 pads lists shorter than k). */
  lists(): NeighborLists {
    return this.run.result();
  }
}

/** Stream blocks pass through 16 MiB of kernel memory at a time. */
const STREAM_CHUNK_BYTES = 16 << 20;
/** A parallel stream gathers blocks into 64 MiB rounds: a round trip to the workers per 64 MiB costs nothing. */
const PARALLEL_STREAM_CHUNK_BYTES = 64 << 20;

/**
 * The fused kernel over rows that arrive in blocks, on every core: blocks are gathered in the
 * shared memory until a round's worth is there, then every thread searches slices of it. One pass
 * over a scan answers all the queries, whatever the row count (a 10M-row file read once for the
 * audit's 100 queries); memory is one round plus queries × k per thread. Positions as in
 * ExactTopKAccumulator: rows are numbered in the order they are offered.
 */
export class ParallelTopKStream {
  private fill = 0;
  private seen = 0;
  private closed = false;

  private constructor(
    private readonly run: Run,
    private readonly pool: WorkerPool | undefined,
    private readonly threads: number,
  ) {}

  /**
   * Start the workers (`options.threads`, default every core). Workers that cannot start cost
   * speed, not the answer: the stream then runs on this thread. Needs the fused kernel
   * (fusedTopKAvailable()); callers fall back to the reference loop without it.
   */
  static async open(queries: Rows, options: Omit<ExactTopKOptions, 'excludedRows'>): Promise<ParallelTopKStream> {
    const wanted = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    const threads = options.k > 0 && queries.count > 0 ? wanted : 1;
    const chunkRows = options.chunkRows ?? Math.max(4, Math.floor(PARALLEL_STREAM_CHUNK_BYTES / Math.max(4, queries.dim * 4)));
    const run = new Run({ ...options, queries, baseCount: Number.MAX_SAFE_INTEGER, threads, chunkRows });
    if (threads === 1) return new ParallelTopKStream(run, undefined, 1);
    const pool = new WorkerPool({ memory: run.memory, layout: run.layout, kernel: run.kernelName }, threads - 1);
    const started = await pool.ready.then(
      () => true,
      () => false,
    );
    if (started) return new ParallelTopKStream(run, pool, threads);
    await pool.close();
    return new ParallelTopKStream(run, undefined, 1);
  }

  /** Rows offered so far. */
  get rows(): number {
    return this.seen + this.fill;
  }

  /** Threads searching (this one included). */
  get threadCount(): number {
    return this.threads;
  }

  /** Offer `count` rows (row-major `data`): positions rows … rows + count − 1. The data is copied before this returns. */
  async add(data: Float32Array, count: number): Promise<void> {
    if (this.closed) throw new Error('exact top-k stream: add after close');
    const { dim } = this.run.layout;
    if (this.rows + count > 0x7fffffff) throw new RangeError(`exact top-k: more than 2^31 − 1 rows in one stream`);
    let offset = 0;
    while (offset < count) {
      const rows = Math.min(count - offset, this.run.chunkRows - this.fill);
      this.run.copyRows(data.subarray(offset * dim, (offset + rows) * dim), rows, this.fill);
      this.fill += rows;
      offset += rows;
      if (this.fill === this.run.chunkRows) await this.flush();
    }
  }

  /** Search what is gathered, stop the workers and return each query's list (positions, best first, −1 pads). */
  async finish(): Promise<NeighborLists> {
    await this.flush();
    await this.close();
    return this.run.result();
  }

  /** Stop the workers (a cut search); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.close();
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const tasks = this.run.startRound(this.fill, this.seen, this.threads);
    const others = this.pool ? this.pool.run(tasks.slice(1)) : Promise.resolve();
    if (tasks[0]) searchChunk(this.run.kernel, this.run.layout, this.run.memory, tasks[0]);
    await others;
    this.seen += this.fill;
    this.fill = 0;
  }
}

/** What a worker starts with: the shared memory, where everything is in it, and the build to run. */
export interface WorkerData {
  readonly memory: WasmMemory;
  readonly layout: Layout;
  readonly kernel: TopKKernel;
}

/** What the main thread sends a worker. */
export type WorkerRequest = { readonly type: 'search'; readonly task: ChunkTask };
export type WorkerReply = { readonly type: 'ready' } | { readonly type: 'done' } | { readonly type: 'error'; readonly message: string };

/** Worker threads searching their ranges of each chunk on the shared memory. */
class WorkerPool {
  readonly ready: Promise<void>;
  private readonly workers: Worker[];
  private pending: { resolve: () => void; reject: (error: Error) => void; left: number } | undefined;
  private failure: Error | undefined;
  private closing = false;

  constructor(shared: WorkerData, count: number) {
    this.workers = Array.from({ length: count }, () => startSiblingWorker(import.meta.url, 'exact-top-k-worker', shared));
    this.ready = Promise.all(this.workers.map((worker) => this.waitReady(worker))).then(() => {});
    for (const worker of this.workers) {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'done') this.settle();
        else if (reply.type === 'error') this.fail(new Error(`exact top-k worker: ${reply.message}`));
      });
      worker.on('error', (error) => this.fail(error));
      // A worker that dies without an error event (killed, out of memory) must not leave the search waiting.
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`exact top-k worker exited (code ${code})`));
      });
    }
  }

  /** Resolves when every worker has searched its task. */
  run(tasks: readonly ChunkTask[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, left: tasks.length };
      if (tasks.length === 0) resolve();
      tasks.forEach((task, i) => this.workers[i]!.postMessage({ type: 'search', task } satisfies WorkerRequest));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private waitReady(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply): void => {
        if (reply.type === 'error') reject(new Error(`exact top-k worker: ${reply.message}`));
        if (reply.type !== 'ready') return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`exact top-k worker exited (${code}) before it started`)));
    });
  }

  private settle(): void {
    const pending = this.pending;
    if (!pending) return;
    pending.left--;
    if (pending.left === 0) {
      this.pending = undefined;
      pending.resolve();
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
