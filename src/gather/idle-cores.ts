import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

// How many cores other processes leave free: asked by the parallel scan and, before anything else
// is loaded, by the CLI's start-up prefetch (so: Node built-ins only).

/**
 * Cores not kept busy by other processes. Threads on busy cores only take turns with each other:
 * on the 2-core development machine under a load of ~5, a 2 GiB scan took 1.0 s on one thread and
 * 1.6-1.8 s on two (each half took longer than the whole).
 */
export function idleCores(): number {
  const loadAverage = loadavg()[0] ?? 0;
  return Math.max(1, availableParallelism() - busyCores({ loadAverage, runnable: runnableTasks(), ownRunning: ownRunningThreads() }));
}

/**
 * Cores other processes keep busy: the 1-minute load average, unless the tasks runnable right now,
 * less this process's own running threads (this one, a prefetch's copy, V8's helpers; 1 when
 * unknown), say fewer. The average lags a minute behind and counts tasks waiting on the disk: a
 * `cat` of a cold file just before leaves a load of ~1 on an idle machine.
 */
export function busyCores(options: { readonly loadAverage: number; readonly runnable?: number; readonly ownRunning?: number }): number {
  const averaged = Math.floor(options.loadAverage);
  if (options.runnable === undefined) return averaged;
  return Math.min(averaged, Math.max(0, options.runnable - Math.max(1, options.ownRunning ?? 1)));
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

/** This process's threads in state R (Linux: /proc/self/task/ID/stat, the field after the name). */
function ownRunningThreads(): number | undefined {
  try {
    let running = 0;
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] === 'R') running++;
    }
    return running;
  } catch {
    return undefined;
  }
}
