import cliProgress from 'cli-progress';
import { count } from '../core/format.js';
import type { GatherProgress } from '../gather/gather.js';

/** What each phase is called on the bar and what it counts. */
const PHASES: Readonly<Record<GatherProgress['phase'], { readonly name: string; readonly unit: string }>> = {
  scan: { name: 'scanning', unit: 'rows' },
  sample: { name: 'sampling', unit: 'rows' },
  queries: { name: 'reading queries', unit: 'rows' },
  audit: { name: 'audit: exact top-k', unit: 'rows' },
  search: { name: 'audit: index search', unit: 'queries' },
  checks: { name: 'checking', unit: 'checks' },
};
const LABEL_WIDTH = Math.max(...Object.values(PHASES).map((phase) => phase.name.length));
/** Redraw at most this often: a full scan reports thousands of blocks a second. */
const FPS = 8;

export interface ProgressDisplay {
  readonly onProgress: (progress: GatherProgress) => void;
  /** Clear the bar and print anything pending; call once the work is done (or failed). */
  stop(): void;
  /** A line for --verbose, printed cleanly above any bar. */
  log(line: string): void;
}

/**
 * Progress on stderr: on an interactive terminal one bar per phase, labelled with it (scanning,
 * sampling, the audit's exact top-k and index search, checking), each with its own rate and ETA;
 * nothing in pipes, under CI or with --quiet. --verbose adds one line per phase with the dimension it reads, so the
 * dimension contract is visible at every hop even without a terminal.
 */
export function progressDisplay(options: { readonly stream: NodeJS.WriteStream; readonly quiet: boolean; readonly verbose: boolean }): ProgressDisplay {
  const { stream, quiet, verbose } = options;
  const interactive = !quiet && Boolean(stream.isTTY) && !isCi();
  let bar: cliProgress.SingleBar | undefined;
  let phase: GatherProgress['phase'] | undefined;
  let startedAt = 0;
  const write = (line: string): void => {
    if (quiet) return;
    if (bar) bar.stop();
    stream.write(`vectorclinic: ${line}\n`);
    bar = undefined;
  };
  return {
    onProgress(progress) {
      if (progress.phase !== phase) {
        bar?.stop();
        bar = undefined;
        phase = progress.phase;
        startedAt = performance.now();
        const { name, unit } = PHASES[progress.phase];
        if (verbose) write(`${name}: ${count(progress.total)} ${unit}${progress.dim !== undefined && unit === 'rows' ? ` × ${progress.dim} dims` : ''}`);
        if (interactive) {
          // One bar per phase, started afresh: its rate and ETA are the phase's own.
          bar = new cliProgress.SingleBar(
            {
              stream,
              fps: FPS,
              clearOnComplete: true,
              hideCursor: true,
              etaBuffer: 20,
              format: `${name.padEnd(LABEL_WIDTH)} {bar} {percentage}% | {value}/{total} | {rate} ${unit}/s | ETA {eta_formatted}`,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(progress.total, progress.done, { rate: '0' });
        }
      }
      const seconds = (performance.now() - startedAt) / 1000;
      if (bar && bar.getTotal() !== progress.total) bar.setTotal(progress.total);
      bar?.update(progress.done, { rate: seconds > 0 ? count(Math.round(progress.done / seconds)) : '0' });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    log(line) {
      if (verbose) write(line);
    },
  };
}

/** CI services set CI=true (GitHub Actions, GitLab, CircleCI, Travis, Buildkite, …). */
function isCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
