import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Start the worker module `name` that sits next to the calling module (`callerUrl`, its
 * import.meta.url): .js in dist/, .ts when run from src/ by tsx. Node 20 does not pass tsx's
 * module hooks on to worker threads, so a .ts worker registers them itself.
 */
export function startSiblingWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const extension = extname(fileURLToPath(callerUrl));
  const workerFile = new URL(`./${name}${extension}`, callerUrl);
  if (extension !== '.ts') return new Worker(workerFile, { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(workerFile.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
