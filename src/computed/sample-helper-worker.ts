import { parentPort, workerData } from 'node:worker_threads';
import type { Artifacts, CheckSettings, VectorSample } from '../gather/artifacts.js';
import { reopenSource } from '../gather/reopen-source.js';
import type { SamplePlan } from '../gather/sample-plan.js';
import { loadWasmKernels } from '../math/kernels-wasm.js';
import { jsKernels, useKernels } from '../math/kernels.js';
import type { Segment } from '../sources/source.js';
import { createContext } from './check-context.js';
import { modelSplit } from './model-split.js';
import { nearDuplicates } from './near-duplicates.js';
import { EARLY_FIRST_KEYS, HELPER_KEYS, type HelperMessage, type HelperRequest } from './sample-helper.js';
import { storeIsotropy } from './whitening.js';

/** The sample helper's thread (see sample-helper.ts): loads, says so, then computes each sample's facts. */

const port = parentPort;
if (!port) throw new Error('sample-helper-worker runs as a worker thread');
useKernels((workerData as { kernels: 'wasm' | 'js' }).kernels === 'js' ? jsKernels : loadWasmKernels());

port.on('message', (request: HelperRequest) => {
  answer(request, (message) => port.postMessage(message)).catch((error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    // Every answer still due gets the error (an early request's second one too).
    for (const id of request.type === 'early' ? [request.id, request.restId] : [request.id]) port.postMessage({ type: 'error', id, message: text } satisfies HelperMessage);
  });
});
port.postMessage({ type: 'ready' } satisfies HelperMessage);

async function answer(request: HelperRequest, post: (message: HelperMessage) => void): Promise<void> {
  const cache = new Map<string, unknown>();
  const context = createContext(cache);
  if (request.type === 'sample') {
    const artifacts = sampleOnly(request.sample, request.settings);
    nearDuplicates(artifacts, context);
    storeIsotropy(artifacts, context);
    post({ type: 'done', id: request.id, entries: entriesOf(cache, HELPER_KEYS) });
    return;
  }
  const { plan } = request;
  const sample = await readPlanned(plan);
  const artifacts = sampleOnly(sample, plan.settings, plan.segments);
  modelSplit(artifacts, context);
  // The sample goes back (copied, ~2.5 MB at 5,000 × 128) for the scan's sample to be compared with.
  post({ type: 'done', id: request.id, entries: entriesOf(cache, EARLY_FIRST_KEYS), sample, settings: plan.settings });
  if (Atomics.load(request.takeRest, 0) === 1) {
    post({ type: 'done', id: request.restId, entries: [] });
    return;
  }
  nearDuplicates(artifacts, context);
  storeIsotropy(artifacts, context);
  post({ type: 'done', id: request.restId, entries: entriesOf(cache, HELPER_KEYS) });
}

/** The planned rows, read through the same reader the scan uses. */
async function readPlanned(plan: Omit<SamplePlan, 'inPageCache'>): Promise<VectorSample> {
  const source = reopenSource(plan.reopen);
  try {
    const description = await source.describe();
    if (description.rows !== plan.totalRows || description.dim !== plan.dim || description.storage.bytes !== plan.storageBytes) {
      throw new Error('the file changed since the scan opened it');
    }
    const block = await source.readRows(plan.rows);
    if (block.count !== plan.rows.length) throw new Error('not every sampled row decoded');
    const rows = block.rows ? Array.from(block.rows) : [...plan.rows];
    return { dim: plan.dim, count: block.count, rows, data: block.data.slice(0, block.count * plan.dim) };
  } finally {
    await source.close();
  }
}

/** Keys these did not reach (too few rows) are left for the main thread to compute, as without a helper. */
function entriesOf(cache: Map<string, unknown>, keys: readonly string[]): readonly (readonly [string, unknown])[] {
  return keys.filter((key) => cache.has(key)).map((key) => [key, cache.get(key)] as const);
}

/**
 * The artifacts as the helper has them: the sample and the settings, plus the source's segments
 * (shard files) for the model split; reading any other artifact, or any other per-row fact, throws.
 */
function sampleOnly(sample: VectorSample, settings: CheckSettings, segments?: readonly Segment[]): Artifacts {
  const rowStats = segments ? strict({ segments: segments.length ? segments : undefined }, 'rowStats.') : undefined;
  return strict({ sample, settings, ...(rowStats ? { rowStats } : {}) }, '') as Artifacts;
}

function strict<T extends object>(known: T, prefix: string): T {
  return new Proxy(known, {
    get: (target, property) => {
      if (typeof property === 'symbol' || property in target) return Reflect.get(target, property);
      throw new Error(`the sample helper has no '${prefix}${property}' artifact`);
    },
    has: (target, property) => {
      if (typeof property === 'symbol' || property in target) return true;
      throw new Error(`the sample helper has no '${prefix}${String(property)}' artifact`);
    },
  });
}
