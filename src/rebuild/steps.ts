import type { RebuildStep } from './types.js';

/**
 * Test hook for crash safety: with VECTORCLINIC_REBUILD_PAUSE_AT=<step> the process announces the
 * step on stderr and waits there forever, so a test can SIGKILL it at that exact point.
 */
export const PAUSE_ENV = 'VECTORCLINIC_REBUILD_PAUSE_AT';

export async function reachStep(step: RebuildStep, onStep?: (step: RebuildStep) => void): Promise<void> {
  onStep?.(step);
  if (process.env[PAUSE_ENV] !== step) return;
  process.stderr.write(`vectorclinic: paused before ${step}\n`);
  // A pending promise alone does not keep Node alive; the interval does.
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
