import { spawnSync } from 'node:child_process';

/**
 * numpy timings on the same files, in the same run, through a Python child process. Missing
 * Python or numpy is reported, not fatal: the bench then prints vectorclinic's figures alone.
 */

/** The pyenv python3 on PATH first, then Debian's (both have numpy on the development machine). */
const PYTHONS = ['python3', '/usr/bin/python3'];

export interface Python {
  readonly command: string;
  readonly numpyVersion: string;
}

export function findNumpy(): Python | { readonly problem: string } {
  for (const command of PYTHONS) {
    const result = spawnSync(command, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
    if (result.status === 0) return { command, numpyVersion: result.stdout.trim() };
  }
  return { problem: `no Python with numpy found (tried ${PYTHONS.join(', ')})` };
}

export function runPython<T>(python: Python, script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, maxBuffer = 1 << 20): T {
  const result = spawnSync(python.command, ['-c', script, ...args], { encoding: 'utf8', env, maxBuffer });
  if (result.status !== 0) throw new Error(`numpy reference failed: ${result.stderr.trim().split('\n').at(-1) ?? result.status}`);
  return JSON.parse(result.stdout) as T;
}

export interface NumpyScan {
  /** np.load of the page-cached file into memory, best of `repeats`. */
  readonly loadSeconds: number;
  /** np.linalg.norm(X, axis=1) alone, on the array in memory. */
  readonly normsSeconds: number;
  /** Norms plus zero-row and NaN/Inf-row counts, on the array in memory. */
  readonly computeSeconds: number;
  readonly zeroRows: number;
  readonly nonfiniteRows: number;
}

const SCAN_SCRIPT = `
import json, sys, time
import numpy as np
path, repeats = sys.argv[1], int(sys.argv[2])
def best(f):
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); out = f(); times.append(time.perf_counter() - t)
    return min(times), out
load, X = best(lambda: np.load(path))
norms, _ = best(lambda: np.linalg.norm(X, axis=1))
def facts():
    n = np.linalg.norm(X, axis=1)
    zero = int((~X.any(axis=1)).sum())
    nonfinite = int((~np.isfinite(X).all(axis=1)).sum())
    return n, zero, nonfinite
compute, (_, zero, nonfinite) = best(facts)
print(json.dumps(dict(loadSeconds=load, normsSeconds=norms, computeSeconds=compute, zeroRows=zero, nonfiniteRows=nonfinite)))
`;

export function numpyScan(python: Python, path: string, repeats: number): NumpyScan {
  return runPython<NumpyScan>(python, SCAN_SCRIPT, [path, String(repeats)]);
}

const MATMUL_SCRIPT = `
import json, sys, time
import numpy as np
queries, base, dim, repeats = (int(v) for v in sys.argv[1:5])
rng = np.random.default_rng(0)
A = rng.standard_normal((queries, dim), dtype=np.float32)
B = rng.standard_normal((base, dim), dtype=np.float32)
C = np.empty((queries, base), dtype=np.float32)
np.matmul(A, B.T, out=C)
times = []
for _ in range(repeats):
    t = time.perf_counter(); np.matmul(A, B.T, out=C); times.append(time.perf_counter() - t)
print(json.dumps(dict(seconds=min(times))))
`;

/** Best of `repeats` times of np.matmul(A, B.T, out=C) for queries × dim by base × dim float32 (output reused). */
export function numpyMatmulSeconds(python: Python, shape: { readonly queries: number; readonly base: number; readonly dim: number }, run: { readonly repeats: number; readonly env?: NodeJS.ProcessEnv }): number {
  const { queries, base, dim } = shape;
  return runPython<{ seconds: number }>(python, MATMUL_SCRIPT, [queries, base, dim, run.repeats].map(String), run.env).seconds;
}
