#!/usr/bin/env node
/**
 * Guard throughput beside numpy doing the same per-row work on the same data in the same run:
 * norms, finite and zero checks, normalization. (The guard also hashes every row for duplicate
 * detection; numpy is not asked to.) Usage: node dist/bench/guard-bench.js [rows] [dim]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGuard } from '../guard/guard.js';
import { kernels } from '../math/kernels.js';
import { writeNpy } from '../io/npy-writer.js';
import { findNumpy } from './numpy-reference.js';

const DEFAULT_ROWS = 50_000;
const DEFAULT_DIM = 768;
/** Rows per guard.check call: a typical ingestion batch. */
const BATCH_ROWS = 4096;
/** Best of several runs: the machine is shared, the minimum is the least disturbed measurement. */
const RUNS = 3;

// biome-ignore lint/complexity/noUselessStringRaw: a Python script: raw, so a backslash added to it later reaches Python as written
const NUMPY_SCRIPT = String.raw`
import sys, time, numpy as np
x = np.load(sys.argv[1]); batch = int(sys.argv[2]); runs = int(sys.argv[3])
best = float("inf")
for _ in range(runs):
    t = time.perf_counter()
    for s in range(0, x.shape[0], batch):
        b = x[s:s + batch]
        finite = np.isfinite(b).all(axis=1)
        norms = np.sqrt(np.einsum("ij,ij->i", b, b))
        ok = finite & (norms > 0)
        unit = np.abs(norms - 1) <= 1e-4
        scale = np.where(unit, 1.0, 1.0 / np.where(ok, norms, 1.0)).astype(np.float32)
        out = b[ok] * scale[ok, None]
    best = min(best, time.perf_counter() - t)
print(best)
`;

function fill(rows: number, dim: number): Float32Array {
  const data = new Float32Array(rows * dim);
  // A cheap LCG: the values only need to look like embeddings (mixed signs, norms far from 1).
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = (state / 4294967296 - 0.5) * 0.1;
  }
  // A few bad rows, as in real ingestion.
  for (let r = 0; r < rows; r += 997) data.fill(0, r * dim, (r + 1) * dim);
  for (let r = 500; r < rows; r += 1009) data[r * dim + 7] = Number.NaN;
  return data;
}

/**
 * `reuse`: one output buffer for every batch, as a streaming ingestion path (and `vectorclinic
 * guard`) does; otherwise a fresh matrix per batch, whose first touch costs page faults that on a
 * small VM can take longer than the checks themselves.
 */
function timeGuard(data: Float32Array, rows: number, dim: number, normalize: boolean, reuse: boolean): number {
  const into = reuse ? new Float32Array(BATCH_ROWS * dim) : undefined;
  let best = Infinity;
  // Run 0 warms the JIT up and is not counted.
  for (let run = 0; run <= RUNS; run++) {
    const guard = createGuard({ dim, metric: 'cosine', normalize, trackIds: false });
    const start = performance.now();
    for (let s = 0; s < rows; s += BATCH_ROWS) {
      const count = Math.min(BATCH_ROWS, rows - s);
      guard.check({ data: data.subarray(s * dim, (s + count) * dim), rows: count, dim }, into ? { into } : {});
    }
    if (run > 0) best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

function timeNumpy(path: string): { seconds: number } | { error: string } {
  const python = findNumpy();
  if ('problem' in python) return { error: python.problem };
  const result = spawnSync(python.command, ['-c', NUMPY_SCRIPT, path, String(BATCH_ROWS), String(RUNS)], { encoding: 'utf8' });
  const seconds = Number(result.stdout.trim());
  return result.status === 0 && Number.isFinite(seconds) ? { seconds } : { error: (result.stderr || 'no output').trim().split('\n').pop() ?? 'failed' };
}

const rows = Number(process.argv[2] ?? DEFAULT_ROWS);
const dim = Number(process.argv[3] ?? DEFAULT_DIM);
const data = fill(rows, dim);
const bytes = rows * dim * 4;
const rate = (seconds: number): string => `${(bytes / seconds / 1e9).toFixed(2)} GB/s, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
console.log(`guard benchmark: ${rows.toLocaleString('en-US')} × ${dim} float32 (${(bytes / 1e6).toFixed(0)} MB), batches of ${BATCH_ROWS}, best of ${RUNS}, kernels: ${kernels().name}, one core`);
console.log(`  guard, streaming into one buffer (checks + hash + normalize): ${rate(timeGuard(data, rows, dim, true, true))}`);
console.log(`  guard, streaming into one buffer (checks + hash only):        ${rate(timeGuard(data, rows, dim, false, true))}`);
console.log(`  guard, a new matrix per batch (checks + hash + normalize):    ${rate(timeGuard(data, rows, dim, true, false))}`);
console.log(`  guard, a new matrix per batch (checks + hash only):           ${rate(timeGuard(data, rows, dim, false, false))}`);
const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-bench-'));
try {
  const path = join(dir, 'rows.npy');
  writeNpy(path, data, rows, dim);
  const numpy = timeNumpy(path);
  console.log('seconds' in numpy ? `  numpy (checks + norms + normalize):                         ${rate(numpy.seconds)}` : `  numpy: not measured (${numpy.error})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('  timings are from a shared machine: treat them as ±30%.');
