import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../core/sibling-worker.js';
import type { Artifacts } from '../gather/artifacts.js';
import { kernels } from '../math/kernels.js';
import type { CheckContext } from './check-context.js';
import { modelSplit } from './model-split.js';

/**
 * A second core for the sample's costliest derived facts. Every check runs after the full scan,
 * on this thread: on a cold 2 GiB .npy that tail took ~0.4 s of a ~2 s check, most of it the
 * model split, the near-duplicate clusters and the store's isotropy, run once each in code the JIT
 * has not optimized yet. The helper thread starts before the scan (its start-up then costs the
 * scan nothing: a cold scan leaves the second core idle). Once the sample is complete it computes
 * the near-duplicate clusters and the isotropy while this thread computes the model split, and the
 * checks find all three in the shared context.
 *
 * Same results either way: the same code runs on the same sample with the same kernels. The
 * helper sees only the sample and the settings (reading any other artifact throws there), and a
 * helper that failed, or was not ready when the sample was, leaves the work to this thread.
 */

/** Memo keys the helper computes and sends back (plain data, structured-clone safe). */
export const HELPER_KEYS = ['near-duplicates', 'store-isotropy', 'geometry', 'principal-shares'] as const;
/** Below this many sampled rows the tail is short: a thread would cost more than it saves. */
const MIN_SAMPLE_ROWS = 1000;
/** A --full sample past this is not copied to the helper: the facts are row-capped, the copy is not. */
const MAX_SAMPLE_BYTES = 64 << 20;

/** What the helper is sent, and what it answers. */
export interface HelperRequest {
  readonly sample: Artifacts['sample'];
  readonly settings: Artifacts['settings'];
}
export type HelperMessage = { readonly type: 'ready' } | { readonly type: 'done'; readonly entries: readonly (readonly [string, unknown])[] } | { readonly type: 'error'; readonly message: string };

export interface SampleHelperOptions {
  /** Rows the check will sample (--sample). */
  readonly sample: number;
  /**
   * Cores; default availableParallelism(). The helper starts only with two or more. Not the idle
   * ones: its work is work this thread would do anyway, so on a busy machine it costs only its
   * start-up, and the idle count taken during a cold read (kernel I/O threads runnable) is noise.
   */
  readonly cores?: number;
}

export class SampleHelper {
  private ready = false;
  private closed = false;
  private reply: { resolve: (entries: readonly (readonly [string, unknown])[]) => void; reject: (error: Error) => void } | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: HelperMessage) => {
      if (message.type === 'ready') this.ready = true;
      else if (message.type === 'done') this.reply?.resolve(message.entries);
      else this.reply?.reject(new Error(message.message));
    });
    worker.on('error', (error) => this.reply?.reject(error));
    worker.on('exit', (code) => this.reply?.reject(new Error(`the sample helper exited with code ${code}`)));
    // Never keeps the process alive: a check that ends early just exits.
    worker.unref();
  }

  /** Start a helper when there is a core to spare and a sample worth it; undefined otherwise. */
  static start(options: SampleHelperOptions): SampleHelper | undefined {
    if (options.sample < MIN_SAMPLE_ROWS || (options.cores ?? availableParallelism()) < 2) return undefined;
    // The helper must round exactly as this thread does: only kernels a worker can load again.
    const kernelsName = kernels().name;
    if (kernelsName !== 'wasm' && kernelsName !== 'js') return undefined;
    return new SampleHelper(startSiblingWorker(import.meta.url, 'sample-helper-worker', { kernels: kernelsName }));
  }

  /** Whether the helper has loaded and waits for a sample. */
  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  /**
   * Fill `context` with the helper's facts and this thread's share (the model split), computed at
   * the same time. Resolves with whether the helper's facts came in; when they did not, the checks
   * compute them here as they always could.
   */
  async precompute(artifacts: Artifacts, context: CheckContext): Promise<boolean> {
    const { sample, settings } = artifacts;
    if (!this.isReady || sample.count < MIN_SAMPLE_ROWS || sample.data.byteLength > MAX_SAMPLE_BYTES) return false;
    const answer = new Promise<readonly (readonly [string, unknown])[]>((resolve, reject) => {
      this.reply = { resolve, reject };
    });
    this.worker.ref();
    this.worker.postMessage({ sample, settings } satisfies HelperRequest);
    try {
      modelSplit(artifacts, context);
      const entries = await answer;
      for (const [key, value] of entries) context.memo(key, () => value);
      return true;
    } catch {
      return false;
    } finally {
      this.reply = undefined;
      this.worker.unref();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }
}
