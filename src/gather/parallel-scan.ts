import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../core/sibling-worker.js';
import { kernels } from '../math/kernels.js';
import { SUM_CHUNK_ROWS } from '../math/norm-sketch.js';
import type { RangeScanning, Segment, SourceDescription, VectorSource } from '../sources/source.js';
import type { VectorSample } from './artifacts.js';
import { idleCores } from './idle-cores.js';
import { deserializeError, type SerializedError } from './parallel-scan-errors.js';
import { RowStatsAccumulator, type RowStats, type RowStatsPartial } from './row-stats.js';
import { type ReopenableKind, reopenOf } from './reopen-source.js';
import { SampleCollector } from './sample-collector.js';

/**
 * A full scan of a local fixed-row file (npy, fvecs, bvecs) split across threads: the main thread
 * scans the first range of rows while worker threads reopen the file and scan the others, each
 * into its own accumulator (fixed-size buffers), copying sampled rows into one shared sample
 * array; the partials are then folded in row order. Ranges start on multiples of SUM_CHUNK_ROWS,
 * which makes the result identical to a single pass (see ChunkedSum).
 */

/**
 * Below this a single thread is about as fast: one scans ~1.5 GB/s here, and a worker thread
 * costs ~0.1 s of CPU to start (measured on the 2-core development machine).
 */
export const PARALLEL_SCAN_MIN_BYTES = 512 << 20;

/** What one worker is asked to do (sent as workerData). */
export interface ScanTask {
  readonly kind: ReopenableKind;
  readonly path: string;
  /** What the main thread saw when it opened the file; the worker refuses a file that changed. */
  readonly rows: number;
  readonly dim: number;
  readonly storageBytes: number;
  readonly first: number;
  readonly end: number;
  readonly unitTolerance: number;
  readonly segments: readonly Segment[];
  /** The sampled rows inside [first, end), ascending. */
  readonly sampleRows: readonly number[];
  /** Where this worker's sampled rows go in the shared sample (in rows). */
  readonly sampleOffset: number;
  readonly sample: SharedArrayBuffer;
  readonly kernels: 'wasm' | 'js';
  readonly blockFloats?: number;
}

/** What scanning one range produced. */
export interface RangeResult {
  readonly partial: RowStatsPartial;
  /** The sampled rows copied into the shared sample, in order, from the task's offset. */
  readonly taken: readonly number[];
}

export type WorkerMessage = { readonly type: 'progress'; readonly rows: number } | ({ readonly type: 'done' } & RangeResult) | { readonly type: 'error'; readonly error: SerializedError };

export interface ParallelScanOptions {
  readonly blockFloats?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number) => void;
}

/**
 * How many threads a full scan of `source` should use: 1 (scan here) unless the source is a
 * local file a worker can reopen, the kernels can be reproduced in a worker, and the file is big
 * and already in the page cache (a cold file is read at the disk's pace by one thread); then one
 * per core that other processes leave idle.
 */
export function parallelScanThreads(source: VectorSource, description: SourceDescription, requested?: number): number {
  if (!reopenOf(source)) return 1;
  const kernelsName = kernels().name;
  if (kernelsName !== 'wasm' && kernelsName !== 'js') return 1;
  const chunks = Math.ceil(description.rows / SUM_CHUNK_ROWS);
  if (requested !== undefined) return Math.max(1, Math.min(requested, chunks));
  if (description.storage.bytes < PARALLEL_SCAN_MIN_BYTES) return 1;
  // Cold 2 GiB .npy, 5 alternating runs (medians): cat 1.38 s, one thread 1.41 s, two threads 1.59 s.
  if (source.rangeScanning?.inPageCache?.() === false) return 1;
  return Math.max(1, Math.min(idleCores(), chunks));
}

/** Scan every row of `source` on `threads` threads (this one included); same result as one pass. */
export async function scanInParallel(
  source: VectorSource,
  description: SourceDescription,
  sampleRows: readonly number[],
  threads: number,
  options: ParallelScanOptions = {},
): Promise<{ rowStats: RowStats; sample: VectorSample }> {
  const ranges = source.rangeScanning;
  const reopen = reopenOf(source);
  if (!ranges || !reopen) throw new TypeError(`a ${description.kind} source cannot be reopened by worker threads`);
  const { kind, path } = reopen;
  const { rows, dim } = description;
  const sample = new SharedArrayBuffer(sampleRows.length * dim * 4);
  const tasks = splitRows(rows, threads).map(({ first, end }): ScanTask => {
    const sampleStart = lowerBound(sampleRows, first);
    const sampleEnd = lowerBound(sampleRows, end);
    return {
      kind,
      path,
      rows,
      dim,
      storageBytes: description.storage.bytes,
      first,
      end,
      unitTolerance: description.normTolerance,
      segments: description.segments ?? [],
      sampleRows: sampleRows.slice(sampleStart, sampleEnd),
      sampleOffset: sampleStart,
      sample,
      kernels: kernels().name as 'wasm' | 'js',
      ...(options.blockFloats ? { blockFloats: options.blockFloats } : {}),
    };
  });
  const { first, rest } = await runTasks(tasks, ranges, options);
  // The first range's accumulator (this thread's) takes in the others: converting it to a partial and
  // back would cost ~0.05 s of copying its duplicate table on the critical path, for the same result.
  const stats = first.stats;
  for (const result of rest) stats.absorb(result.partial);
  const results = [first, ...rest];
  const data = new Float32Array(sample);
  // Each worker filled its slots from its offset; close the gaps left by rows it could not read.
  const taken: number[] = [];
  results.forEach((result, i) => {
    const offset = (tasks[i] as ScanTask).sampleOffset;
    if (offset !== taken.length) data.copyWithin(taken.length * dim, offset * dim, (offset + result.taken.length) * dim);
    taken.push(...result.taken);
  });
  return {
    rowStats: stats.finish('full', rows),
    sample: { dim, count: taken.length, rows: taken, data: data.subarray(0, taken.length * dim) },
  };
}

/** `threads` ranges of whole summation chunks, as even as chunks allow. */
function splitRows(rows: number, threads: number): { first: number; end: number }[] {
  const chunks = Math.ceil(rows / SUM_CHUNK_ROWS);
  const parts = Math.max(1, Math.min(threads, chunks));
  return Array.from({ length: parts }, (_, i) => ({
    first: Math.min(rows, Math.floor((i * chunks) / parts) * SUM_CHUNK_ROWS),
    end: Math.min(rows, Math.floor(((i + 1) * chunks) / parts) * SUM_CHUNK_ROWS),
  }));
}

/** Scan one range of `source` into a fresh accumulator and the shared sample. */
export async function scanTaskRange(task: ScanTask, source: RangeScanning, signal?: AbortSignal, onBlock?: (rows: number) => void): Promise<RangeResult> {
  const { stats, taken } = await accumulateRange(task, source, signal, onBlock);
  return { partial: stats.partial(), taken };
}

/** What scanning one range produced, before it is made structured-clone friendly. */
interface RangeAccumulated {
  readonly stats: RowStatsAccumulator;
  readonly taken: readonly number[];
}

async function accumulateRange(task: ScanTask, source: RangeScanning, signal?: AbortSignal, onBlock?: (rows: number) => void): Promise<RangeAccumulated> {
  const stats = new RowStatsAccumulator(task.dim, task.unitTolerance, task.segments, task.end - task.first);
  const collector = new SampleCollector(task.sampleRows, task.dim, new Float32Array(task.sample), task.sampleOffset);
  const scanOptions = { ...(task.blockFloats ? { blockFloats: task.blockFloats } : {}), ...(signal ? { signal } : {}) };
  for await (const block of source.scanRange(task.first, task.end, scanOptions)) {
    stats.add(block);
    collector.take(block);
    onBlock?.(block.count);
  }
  return { stats, taken: collector.taken };
}

/**
 * Run the first task here and every other one on a worker thread; resolve with the results in
 * task order, or fail with the error of the earliest failing range (the one a sequential scan
 * would have met first).
 */
function runTasks(tasks: readonly ScanTask[], source: RangeScanning, options: ParallelScanOptions): Promise<{ first: RangeAccumulated; rest: RangeResult[] }> {
  return new Promise((resolve, reject) => {
    // Index 0 holds this thread's accumulator, the others the workers' partials.
    const results: (RangeAccumulated | RangeResult | undefined)[] = tasks.map(() => undefined);
    const errors: unknown[] = tasks.map(() => undefined);
    const failed: boolean[] = tasks.map(() => false);
    const workers: Worker[] = [];
    let settled = false;
    let done = 0;

    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      for (const worker of workers) void worker.terminate();
      if (error !== undefined) reject(error);
      else resolve({ first: results[0] as RangeAccumulated, rest: results.slice(1) as RangeResult[] });
    };
    const onAbort = (): void => finish(options.signal?.reason);
    const settle = (index: number, result: RangeAccumulated | RangeResult | undefined, error?: unknown): void => {
      if (results[index] || failed[index]) return;
      if (result) results[index] = result;
      else {
        failed[index] = true;
        errors[index] = error;
      }
      const earliest = tasks.findIndex((_, i) => failed[i] || !results[i]);
      if (earliest < 0) finish();
      else if (failed[earliest]) finish(errors[earliest]);
    };
    const progress = (rows: number): void => {
      done += rows;
      options.onProgress?.(done);
    };

    if (options.signal?.aborted) {
      reject(options.signal.reason);
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    tasks.forEach((task, index) => {
      if (index === 0) return;
      const worker = startSiblingWorker(import.meta.url, 'parallel-scan-worker', task);
      workers.push(worker);
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'progress') progress(message.rows);
        else if (message.type === 'done') settle(index, { partial: message.partial, taken: message.taken });
        else settle(index, undefined, deserializeError(message.error));
      });
      worker.on('error', (error) => settle(index, undefined, error));
      worker.on('exit', (code) => {
        settle(index, undefined, new Error(`parallel scan worker for rows ${task.first}..${task.end - 1} exited with code ${code}`));
      });
    });
    // The first range is scanned here while the workers start up.
    accumulateRange(tasks[0] as ScanTask, source, options.signal, progress).then(
      (result) => settle(0, result),
      (error: unknown) => settle(0, undefined, error),
    );
  });
}

/** Index of the first value ≥ `value` in an ascending list. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
