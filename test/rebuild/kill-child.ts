import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PAUSE_ENV } from '../../src/rebuild/steps.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** Small HNSW build flags: the kill tests are about atomicity, not index quality. */
export const QUICK_HNSW_FLAGS = ['--m', '8', '--ef-construction', '40'];

export interface ChildRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
}

/**
 * Run `vectorclinic rebuild <args> --apply --no-check --format json` in a child process; SIGKILL it
 * when it pauses before `kill.step` (PAUSE_ENV), or after `kill.delayMs`, or let it finish.
 */
export function runRebuildChild(args: readonly string[], kill: { readonly step?: string; readonly delayMs?: number } = {}): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rebuild', ...args, '--apply', '--no-check', '--format', 'json'], {
    env: { ...process.env, ...(kill.step ? { [PAUSE_ENV]: kill.step } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (kill.step && stderr.includes(`paused before ${kill.step}`)) child.kill('SIGKILL');
  });
  const timer = kill.delayMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    }),
  );
}

/** In-place rebuild of a store URL into cosine HNSW. */
export function runInPlaceRebuild(url: string, step?: string): Promise<ChildRun> {
  return runRebuildChild([url, '--out', url, '--metric', 'cosine', '--index', 'hnsw', ...QUICK_HNSW_FLAGS], step ? { step } : {});
}
