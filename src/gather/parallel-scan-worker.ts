import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { loadWasmKernels } from '../math/kernels-wasm.js';
import { jsKernels, useKernels } from '../math/kernels.js';
import { serializeError } from './parallel-scan-errors.js';
import { scanTaskRange, type ScanTask, type WorkerMessage } from './parallel-scan.js';
import { reopenSource } from './reopen-source.js';

/** One range of a parallel full scan (see parallel-scan.ts): scan it, post the partial, exit. */

async function scanReopened(task: ScanTask): Promise<WorkerMessage> {
  // The same kernels as the main thread: norms must round the same way for identical statistics.
  useKernels(task.kernels === 'js' ? jsKernels : loadWasmKernels());
  const source = reopenSource(task);
  try {
    const description = await source.describe();
    if (description.rows !== task.rows || description.dim !== task.dim || description.storage.bytes !== task.storageBytes) {
      throw new InputError(`changed while it was being scanned (now ${description.rows} × ${description.dim})`, {
        where: task.path,
        hint: 'check a file that is no longer being written',
      });
    }
    const result = await scanTaskRange(task, source.rangeScanning, undefined, (rows) => {
      parentPort?.postMessage({ type: 'progress', rows } satisfies WorkerMessage);
    });
    return { type: 'done', ...result };
  } finally {
    await source.close();
  }
}

const task = workerData as ScanTask;
let message: WorkerMessage;
try {
  message = await scanReopened(task);
} catch (error) {
  message = { type: 'error', error: serializeError(error) };
}
// Hand the big typed arrays over instead of copying them.
const transfer =
  message.type === 'done'
    ? [
        message.partial.sketch.counts.buffer,
        message.partial.columnNonzero.buffer,
        ...Object.values(message.partial.duplicates)
          .filter(ArrayBuffer.isView)
          .map((array) => array.buffer),
      ]
    : [];
parentPort?.postMessage(message, transfer as ArrayBuffer[]);
