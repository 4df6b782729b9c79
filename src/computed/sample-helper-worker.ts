import { parentPort, workerData } from 'node:worker_threads';
import type { Artifacts } from '../gather/artifacts.js';
import { loadWasmKernels } from '../math/kernels-wasm.js';
import { jsKernels, useKernels } from '../math/kernels.js';
import { createContext } from './check-context.js';
import { nearDuplicates } from './near-duplicates.js';
import { HELPER_KEYS, type HelperMessage, type HelperRequest } from './sample-helper.js';
import { storeIsotropy } from './whitening.js';

/** The sample helper's thread (see sample-helper.ts): loads, says so, then computes one sample's facts. */

const port = parentPort;
if (!port) throw new Error('sample-helper-worker runs as a worker thread');
useKernels((workerData as { kernels: 'wasm' | 'js' }).kernels === 'js' ? jsKernels : loadWasmKernels());

port.on('message', (request: HelperRequest) => {
  let message: HelperMessage;
  try {
    const artifacts = sampleOnly(request);
    const cache = new Map<string, unknown>();
    const context = createContext(cache);
    nearDuplicates(artifacts, context);
    storeIsotropy(artifacts, context);
    // Keys these did not reach (too few rows) are left for the main thread to compute, as without a helper.
    const entries = HELPER_KEYS.filter((key) => cache.has(key)).map((key) => [key, cache.get(key)] as const);
    message = { type: 'done', entries };
  } catch (error) {
    message = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(message);
});
port.postMessage({ type: 'ready' } satisfies HelperMessage);

/** The artifacts as the helper has them: the sample and the settings; reading any other one throws. */
function sampleOnly(request: HelperRequest): Artifacts {
  const known: Partial<Artifacts> = { sample: request.sample, settings: request.settings };
  return new Proxy(known as Artifacts, {
    get: (target, property) => {
      if (typeof property === 'symbol' || property in target) return Reflect.get(target, property);
      throw new Error(`the sample helper has no '${property}' artifact`);
    },
    has: (target, property) => {
      if (typeof property === 'symbol' || property in target) return true;
      throw new Error(`the sample helper has no '${String(property)}' artifact`);
    },
  });
}
