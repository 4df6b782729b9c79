import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from here unless a test gives another `cwd`. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The CLI's TypeScript entry, absolute so a test may run it from any directory. */
export const CLI_ENTRY = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface CliRun {
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** The whole environment of the child (default: this process's, with NO_COLOR=1). */
  readonly env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long (default: 120 s for runCli, none for runCliSync). */
  readonly timeoutMs?: number;
  /** Another entry script than src/cli.ts (a test that plants a crashing command). */
  readonly script?: string;
  /** Bytes written to the child's stdin (runCliSync only). */
  readonly input?: Buffer;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/** tsx resolved from here, so the child finds it whatever its working directory. */
const TSX = import.meta.resolve('tsx');

/** Node with TypeScript through tsx: `node --import tsx ...nodeArgs`. */
function tsxArguments(nodeArgs: readonly string[]): string[] {
  return ['--import', TSX, ...nodeArgs];
}

/** Run the CLI (TypeScript through tsx) as a child process; async so an in-process server keeps serving. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  return runTsx([options.script ?? CLI_ENTRY, ...args], options);
}

/** The same, blocking: for tests that run one command at a time. */
export function runCliSync(args: readonly string[], options: CliRunOptions = {}): CliRun {
  const result = spawnSync(process.execPath, tsxArguments([options.script ?? CLI_ENTRY, ...args]), {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    input: options.input,
  });
  // A child that exits without reading its stdin leaves an EPIPE here: only a child that never ran is an error.
  if (result.error && result.status === null && result.signal === null) throw result.error;
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Any node command line with tsx loaded (an inline `-e` script, another entry), run like the CLI. */
export function runTsx(nodeArgs: readonly string[], options: Omit<CliRunOptions, 'script'> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxArguments(nodeArgs), { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
