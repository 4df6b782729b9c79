import cliProgress from 'cli-progress';
import { count } from '../core/format.js';
import type { GatherProgress } from '../gather/gather.js';

const PHASE_NAMES: Readonly<Record<GatherProgress['phase'], string>> = {
  scan: 'scanning',
  sample: 'sampling',
  queries: 'reading queries',
  audit: 'auditing',
  search: 'searching',
};
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
 * Progress on stderr: a bar with rows/s and ETA on an interactive terminal, nothing in pipes,
 * under CI or with --quiet. --verbose adds one line per phase with the dimension it reads, so the
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
        if (verbose) write(`${PHASE_NAMES[progress.phase]}: ${count(progress.total)} ${progress.phase === 'search' ? 'queries' : 'rows'}${progress.dim !== undefined ? ` × ${progress.dim} dims` : ''}`);
        if (interactive) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              fps: FPS,
              clearOnComplete: true,
              hideCursor: true,
              format: `${PHASE_NAMES[progress.phase].padEnd(15)} {bar} {percentage}% | {value}/{total} | {rate} rows/s | ETA {eta_formatted}`,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(progress.total, progress.done, { rate: '0' });
        }
      }
      const seconds = (performance.now() - startedAt) / 1000;
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
