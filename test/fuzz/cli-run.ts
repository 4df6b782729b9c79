import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/**
 * `vectorclinic check FILE --format json` in a child process, judged by the CLI contract on
 * corrupt input: exit 0/1 with a JSON report on stdout, or exit 2 with one message naming the file
 * and a byte offset or row. Anything else (exit 3, a signal, exit 1 without a report, a hang) is a
 * violation.
 */
export interface CheckRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly milliseconds: number;
  /** Peak resident set of the child, when /usr/bin/time is there to measure it. */
  readonly maxRssBytes?: number;
}

export type Verdict = { readonly ok: true; readonly exit: number } | { readonly ok: false; readonly exit: number | string; readonly why: string };

const TIME = '/usr/bin/time';

/** `command` is the CLI entry and the node flags before it, e.g. ['--import', 'tsx', 'src/cli.ts']. */
export function runCheck(command: readonly string[], path: string, extra: readonly string[], options: { cwd: string; timeoutMs: number; rssFile?: string }): Promise<CheckRun> {
  const args = [...command, 'check', path, '--format', 'json', '--quiet', ...extra];
  const measured = options.rssFile !== undefined && existsSync(TIME);
  const [file, argv] = measured ? [TIME, ['-f', '%M', '-o', options.rssFile as string, process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', VECTORCLINIC_DEBUG: '' }, timeout: options.timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const milliseconds = performance.now() - started;
      let maxRssBytes: number | undefined;
      if (measured && existsSync(options.rssFile as string)) {
        // GNU time writes "Command terminated by signal N" before the figure when the child dies.
        const lines = readFileSync(options.rssFile as string, 'utf8')
          .trim()
          .split('\n');
        const kilobytes = Number(lines[lines.length - 1]);
        if (Number.isFinite(kilobytes)) maxRssBytes = kilobytes * 1024;
        if (status !== null && status > 128 && /terminated by signal (\d+)/.test(lines.join('\n'))) signal = 'SIGABRT';
        rmSync(options.rssFile as string, { force: true });
      }
      resolve({ status, signal, stdout, stderr, milliseconds, ...(maxRssBytes !== undefined ? { maxRssBytes } : {}) });
    });
  });
}

export const MAX_RSS_BYTES = 1 << 30;

export function judge(run: CheckRun, path: string, timeoutMs: number): Verdict {
  if (run.signal || run.milliseconds >= timeoutMs) return { ok: false, exit: run.signal ?? 'timeout', why: `killed (${run.signal ?? 'timeout'}) after ${Math.round(run.milliseconds)} ms` };
  const exit = run.status ?? -1;
  if (run.maxRssBytes !== undefined && run.maxRssBytes > MAX_RSS_BYTES) return { ok: false, exit, why: `resident set ${Math.round(run.maxRssBytes / 2 ** 20)} MB` };
  if (exit === 0 || exit === 1) {
    try {
      const report = JSON.parse(run.stdout) as { findings?: unknown; verdict?: unknown };
      if (!Array.isArray(report.findings) || typeof report.verdict !== 'string') return { ok: false, exit, why: 'stdout is JSON but not a report' };
    } catch {
      return { ok: false, exit, why: `exit ${exit} without a JSON report: ${firstLine(run.stderr)}` };
    }
    return { ok: true, exit };
  }
  if (exit === 2) {
    const line = firstLine(run.stderr);
    if (run.stdout !== '') return { ok: false, exit, why: 'exit 2 with output on stdout' };
    if (!line.startsWith(`vectorclinic: ${path} (`) || !/\((byte \d+|row \d+)/.test(line)) return { ok: false, exit, why: `exit 2 without the file and a byte or row: ${line}` };
    return { ok: true, exit };
  }
  return { ok: false, exit, why: `exit ${exit}: ${firstLine(run.stderr)}` };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
