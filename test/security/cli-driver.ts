import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Runs many CLI invocations in one process (each a fresh evaluation of src/cli.ts, its modules
 * shared), capturing everything written to stdout and stderr: the secrets test needs dozens of
 * runs, and a tsx child per run would not fit its time budget. Usage: cli-driver RUNS.json OUT.json
 */
export interface DriverRun {
  readonly args: readonly string[];
  /** Environment overrides for this run (undefined removes the variable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface DriverResult {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const [runsFile, outFile] = process.argv.slice(2) as [string, string];
const runs = JSON.parse(readFileSync(runsFile, 'utf8')) as DriverRun[];
const cli = pathToFileURL(new URL('../../src/cli.ts', import.meta.url).pathname).href;
const results: DriverResult[] = [];
const stdoutWrite = process.stdout.write.bind(process.stdout);
const stderrWrite = process.stderr.write.bind(process.stderr);
for (const [i, run] of runs.entries()) {
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(run.env ?? {}).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(run.env ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  process.argv = [process.argv[0] as string, 'vectorclinic', ...run.args];
  try {
    await import(`${cli}?run=${i}`);
  } catch (error) {
    stderr += `driver: ${String(error)}`;
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  results.push({ args: run.args, code: typeof process.exitCode === 'number' ? process.exitCode : 0, stdout, stderr });
}
process.exitCode = 0;
writeFileSync(outFile, JSON.stringify(results));
