import { parentPort, workerData } from 'node:worker_threads';
import { instantiateTopK, searchChunk, type TopKExports, type WorkerData, type WorkerReply, type WorkerRequest } from './exact-top-k.js';

/** A worker thread of `exactTopK`: searches the ranges it is sent, on the shared memory it was given. */

const { memory, layout, kernel: build } = workerData as WorkerData;
const port = parentPort!;
let kernel: TopKExports;
try {
  kernel = instantiateTopK(memory, build);
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
  throw error;
}
port.on('message', (request: WorkerRequest) => {
  try {
    searchChunk(kernel, layout, memory, request.task);
    port.postMessage({ type: 'done' } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
  }
});
