import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

// How many cores other processes leave free: asked by the parallel scan and, before anything else
// is loaded, by the CLI's start-up prefetch (so: Node built-ins only).

/**
 * Cores not kept busy by other processes. Threads on busy cores only take turns with each other:
 * on the 2-core development machine under a load of ~5, a 2 GiB scan took 1.0 s on one thread and
 * 1.6-1.8 s on two (each half took longer than the whole).
 */
export function idleCores(): number {
  return Math.max(1, availableParallelism() - busyCores({ loadAverage: loadavg()[0] ?? 0, runnable: runnableTasks() }));
}

/**
 * Cores other processes keep busy: the 1-minute load average, unless the tasks runnable right now
 * (this thread included) say fewer. The average lags a minute behind and counts tasks waiting on
 * the disk: a `cat` of a cold file just before leaves a load of ~1 on an idle machine.
 */
export function busyCores(options: { readonly loadAverage: number; readonly runnable?: number }): number {
  const averaged = Math.floor(options.loadAverage);
  return options.runnable === undefined ? averaged : Math.min(averaged, Math.max(0, options.runnable - 1));
}

/** Tasks running or ready to run now (Linux: /proc/loadavg's fourth field, "running/total"). */
function runnableTasks(): number | undefined {
  try {
    const running = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[0]);
    return Number.isInteger(running) && running > 0 ? running : undefined;
  } catch {
    return undefined;
  }
}
