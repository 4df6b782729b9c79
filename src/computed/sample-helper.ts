import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../core/sibling-worker.js';
import type { Artifacts, CheckSettings, VectorSample } from '../gather/artifacts.js';
import { PARALLEL_SCAN_MIN_BYTES } from '../gather/parallel-scan.js';
import type { SamplePlan } from '../gather/sample-plan.js';
import { kernels } from '../math/kernels.js';
import type { CheckContext } from './check-context.js';
import { modelSplit } from './model-split.js';
import { nearDuplicates } from './near-duplicates.js';
import { storeIsotropy } from './whitening.js';

/**
 * A second core for the sample's costliest derived facts: the model split, the near-duplicate
 * clusters and the store's isotropy, run once each in code the JIT has not optimized yet. Every
 * check runs after the full scan; on a cold 2 GiB .npy these facts were most of a ~0.4 s tail. The
 * helper thread starts before the scan (its start-up then costs the scan nothing). It works in one
 * of two ways:
 *
 * - Early: a large file whose sampled rows are already in the page cache (it was cached, or the
 *   CLI's read-ahead has read all of it) gets its sample read by the helper itself, which computes
 *   all three facts while this thread is still scanning. They count only if the scan's own sample
 *   turns out identical (same rows, same bytes, same settings).
 * - Otherwise, once the scan's sample is complete, the helper computes the near-duplicate clusters
 *   and the isotropy while this thread computes the model split.
 *
 * Same results either way: the same code runs on the same sample with the same kernels. The
 * helper sees only the sample and the settings (reading any other artifact throws there), and a
 * helper that failed, or was not ready when the sample was, leaves the work to this thread.
 */

/** Memo keys the helper computes from the scan's sample and sends back (plain data, structured-clone safe). */
export const HELPER_KEYS = ['near-duplicates', 'store-isotropy', 'geometry', 'principal-shares'] as const;
/** From an early sample it computes the model split first, and sends it with the sample it read. */
export const EARLY_FIRST_KEYS = ['model-split'] as const;
/** Below this many sampled rows the tail is short: a thread would cost more than it saves. */
const MIN_SAMPLE_ROWS = 1000;
/** A --full sample past this is not copied to the helper: the facts are row-capped, the copy is not. */
const MAX_SAMPLE_BYTES = 64 << 20;
/**
 * Smaller files scan in a fraction of a second: an early sample would then finish after the scan,
 * with all three facts on the helper instead of shared between two threads.
 */
const EARLY_MIN_FILE_BYTES = PARALLEL_SCAN_MIN_BYTES;

/**
 * A request to the helper: compute on this sample, or read the planned sample first. An early
 * request is answered twice: under `id` with the model split (and the sample read), then under
 * `restId` with the rest, unless this thread has set `takeRest[0]` meanwhile (it then computes the
 * rest itself, and the helper answers `restId` with nothing).
 */
export type HelperRequest =
  | { readonly type: 'sample'; readonly id: number; readonly sample: VectorSample; readonly settings: CheckSettings }
  | { readonly type: 'early'; readonly id: number; readonly restId: number; readonly plan: Omit<SamplePlan, 'inPageCache'>; readonly takeRest: Int32Array };
export type HelperEntries = readonly (readonly [string, unknown])[];
export type HelperMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly entries: HelperEntries; readonly sample?: VectorSample; readonly settings?: CheckSettings }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
type HelperAnswer = Extract<HelperMessage, { type: 'done' }>;

/** An early request in flight: its first answer once in, and the promises of both. */
interface EarlyJob {
  first?: HelperAnswer;
  readonly firstAnswer: Promise<HelperAnswer>;
  readonly restAnswer: Promise<HelperAnswer>;
  readonly takeRest: Int32Array;
}

export interface SampleHelperOptions {
  /** Rows the check will sample (--sample). */
  readonly sample: number;
  /**
   * Cores; default availableParallelism(). The helper starts only with two or more. Not the idle
   * ones: its work is work this thread would do anyway, so on a busy machine it costs only its
   * start-up, and the idle count taken during a cold read (kernel I/O threads runnable) is noise.
   */
  readonly cores?: number;
  /** Smallest file whose sample is read early (default 512 MiB; tests lower it). */
  readonly earlyMinFileBytes?: number;
}

/**
 * How `precompute` got the facts: all from an early sample; the model split from an early sample
 * and the rest here; shared with the helper after the scan; or none from the helper.
 */
export type HelperUse = 'early' | 'early, rest here' | 'shared' | 'none';

export class SampleHelper {
  private ready = false;
  private closed = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (answer: HelperAnswer) => void; reject: (error: Error) => void }>();
  /** Set once the planned sample is readable and the helper was asked to read it. */
  private early: EarlyJob | undefined;
  /** Settles once the plan's readability is known (and the request, if any, is sent). */
  private planning: Promise<void> | undefined;
  /** Set when the scan is over: a read-ahead that ends later no longer starts an early sample. */
  private scanOver = false;

  private constructor(
    private readonly worker: Worker,
    private readonly earlyMinFileBytes: number,
  ) {
    worker.on('message', (message: HelperMessage) => {
      if (message.type === 'ready') {
        this.ready = true;
        return;
      }
      const waiting = this.settle(message.id);
      if (message.type === 'done') waiting?.resolve(message);
      else waiting?.reject(new Error(message.message));
    });
    const failAll = (error: Error): void => {
      for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the sample helper exited with code ${code}`)));
    // Never keeps the process alive: a check that ends early just exits.
    worker.unref();
  }

  /** Start a helper when there is a core to spare and a sample worth it; undefined otherwise. */
  static start(options: SampleHelperOptions): SampleHelper | undefined {
    if (options.sample < MIN_SAMPLE_ROWS || (options.cores ?? availableParallelism()) < 2) return undefined;
    // The helper must round exactly as this thread does: only kernels a worker can load again.
    const kernelsName = kernels().name;
    if (kernelsName !== 'wasm' && kernelsName !== 'js') return undefined;
    return new SampleHelper(startSiblingWorker(import.meta.url, 'sample-helper-worker', { kernels: kernelsName }), options.earlyMinFileBytes ?? EARLY_MIN_FILE_BYTES);
  }

  /** Whether the helper has loaded and waits for a sample. */
  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  /**
   * The scan's sampled rows are known (gather's `onSamplePlanned`): when the file is large and its
   * rows are in the page cache, now or once `readAhead` resolves true (a read-ahead that read the
   * whole file), the helper reads them itself and starts on all three facts.
   */
  planned(plan: SamplePlan, readAhead?: Promise<boolean>): void {
    if (this.closed || this.planning || plan.storageBytes < this.earlyMinFileBytes || !worthSending(plan.rows.length, plan.dim)) return;
    const readable = plan.inPageCache() ? Promise.resolve(true) : (readAhead ?? Promise.resolve(false));
    const { inPageCache: _, ...data } = plan;
    this.planning = readable.then(
      (whole) => {
        if (whole && !this.closed && !this.scanOver) this.early = this.startEarly(data);
      },
      () => undefined,
    );
  }

  /**
   * Fill `context` with the helper's facts, and with this thread's share when the helper had no
   * early sample (the model split) or is still on it (the rest). Facts that did not come in are
   * left to the checks, which compute them here as they always could.
   */
  async precompute(artifacts: Artifacts, context: CheckContext): Promise<HelperUse> {
    const { sample, settings } = artifacts;
    // Answers and a read-ahead's end that came while this thread was busy are taken in first; past
    // this point nothing waits on the read-ahead (an API caller's promise might never settle).
    await new Promise((resolve) => setImmediate(resolve));
    this.scanOver = true;
    const early = this.early;
    if (early) {
      const used = await this.finishEarly(early, artifacts, context);
      if (used !== undefined) return used;
    }
    if (!this.isReady || !worthSending(sample.count, sample.dim)) return 'none';
    const answer = this.ask({ type: 'sample', id: this.nextId++, sample, settings });
    try {
      modelSplit(artifacts, context);
      seed(context, (await answer).entries);
      return 'shared';
    } catch {
      return 'none';
    }
  }

  /** Whether an early sample was asked for and both its answers came in (for tests and benches). */
  async earlyAnswered(): Promise<boolean> {
    await this.planning;
    const job = this.early;
    if (!job) return false;
    const answers = await Promise.allSettled([job.firstAnswer, job.restAnswer]);
    return answers.every((answer) => answer.status === 'fulfilled');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }

  private ask(request: HelperRequest): Promise<HelperAnswer> {
    const answer = this.expect(request.id);
    this.worker.postMessage(request);
    return answer;
  }

  private expect(id: number): Promise<HelperAnswer> {
    const answer = new Promise<HelperAnswer>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Kept alive while an answer is due.
    this.worker.ref();
    return answer;
  }

  private startEarly(plan: Omit<SamplePlan, 'inPageCache'>): EarlyJob {
    const id = this.nextId++;
    const restId = this.nextId++;
    const takeRest = new Int32Array(new SharedArrayBuffer(4));
    const restAnswer = this.expect(restId);
    const firstAnswer = this.ask({ type: 'early', id, restId, plan, takeRest });
    const job: EarlyJob = { firstAnswer, restAnswer, takeRest };
    // Rejections are read where they are awaited; these only record the first answer's arrival.
    firstAnswer.then((answer) => (job.first = answer)).catch(() => undefined);
    restAnswer.catch(() => undefined);
    return job;
  }

  /**
   * The early sample's facts, when it is the scan's sample. A helper still on the model split
   * leaves the rest to this thread, which computes it meanwhile (two threads instead of one).
   * Undefined when the early sample cannot be used: the usual split of the work follows.
   */
  private async finishEarly(job: EarlyJob, artifacts: Artifacts, context: CheckContext): Promise<HelperUse | undefined> {
    const ownRest = job.first === undefined;
    if (ownRest) {
      Atomics.store(job.takeRest, 0, 1);
      nearDuplicates(artifacts, context);
      storeIsotropy(artifacts, context);
    }
    const first = await job.firstAnswer.catch(() => undefined);
    if (!first || !sameSample(first, artifacts.sample, artifacts.settings)) return ownRest ? 'none' : undefined;
    seed(context, first.entries);
    if (ownRest) return 'early, rest here';
    seed(context, (await job.restAnswer.catch(() => undefined))?.entries ?? []);
    return 'early';
  }

  private settle(id: number): { resolve: (answer: HelperAnswer) => void; reject: (error: Error) => void } | undefined {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return waiting;
  }
}

function worthSending(rows: number, dim: number): boolean {
  return rows >= MIN_SAMPLE_ROWS && rows * dim * 4 <= MAX_SAMPLE_BYTES;
}

function seed(context: CheckContext, entries: HelperEntries): void {
  for (const [key, value] of entries) context.memo(key, () => value);
}

/** The early sample is the scan's sample: the same rows, bytes and settings. */
function sameSample(answer: HelperAnswer, sample: VectorSample, settings: CheckSettings): boolean {
  const early = answer.sample;
  if (!early || !answer.settings || early.dim !== sample.dim || early.count !== sample.count) return false;
  if (early.rows.length !== sample.rows.length || early.rows.some((row, i) => row !== sample.rows[i])) return false;
  const keys = Object.keys(settings) as (keyof CheckSettings)[];
  if (keys.length !== Object.keys(answer.settings).length || keys.some((key) => answer.settings?.[key] !== settings[key])) return false;
  const length = sample.count * sample.dim * 4;
  return Buffer.compare(bytesOf(early.data, length), bytesOf(sample.data, length)) === 0;
}

function bytesOf(data: Float32Array, length: number): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, length);
}
