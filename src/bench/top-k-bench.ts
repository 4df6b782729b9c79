import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { exactTopK, type TopKKernel, topKKernel, useTopKKernel } from '../math/exact-top-k.js';
import { writeNpy } from '../io/npy-writer.js';
import type { NeighborLists } from '../math/top-k.js';
import { runPython, type Python } from './numpy-reference.js';

/**
 * Bench section (e): exact top-k of `queries` queries over N × d rows, inner product, against
 * numpy (matmul + argpartition over row blocks, OpenBLAS on all cores) and Debian FAISS's
 * IndexFlatIP (its reference BLAS, OpenMP on all cores), on the same .npy files in the same run.
 */

/** Debian's python3 has faiss; the pyenv one on PATH does not (../shared/DEPENDENCIES.md). */
const FAISS_PYTHON = '/usr/bin/python3';

export interface TopKBenchSettings {
  readonly queries: number;
  readonly rows: readonly number[];
  readonly dims: readonly number[];
  readonly k: number;
  readonly repeats: number;
  /** FAISS's flat search runs on this many of the queries; its time is scaled to all of them. */
  readonly faissQueries: number;
}

const NUMPY_TOPK_SCRIPT = `
import json, sys, time
import numpy as np
qpath, xpath, k, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
Q = np.load(qpath); X = np.load(xpath)
BLOCK = max(1, (256 << 20) // (4 * Q.shape[0]))
def search():
    best_s = np.full((Q.shape[0], 0), -np.inf, dtype=np.float32); best_i = np.zeros((Q.shape[0], 0), dtype=np.int64)
    for start in range(0, X.shape[0], BLOCK):
        S = Q @ X[start:start + BLOCK].T
        kk = min(k, S.shape[1])
        part = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
        s = np.concatenate([best_s, np.take_along_axis(S, part, axis=1)], axis=1)
        i = np.concatenate([best_i, part + start], axis=1)
        keep = np.argpartition(-s, min(k, s.shape[1]) - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(s, keep, axis=1); best_i = np.take_along_axis(i, keep, axis=1)
    order = np.argsort(-best_s, axis=1, kind='stable')
    return np.take_along_axis(best_i, order, axis=1)
times = []
for _ in range(repeats):
    t = time.perf_counter(); ids = search(); times.append(time.perf_counter() - t)
print(json.dumps(dict(seconds=min(times), ids=ids.tolist())))
`;

const FAISS_FLAT_SCRIPT = `
import json, sys, time
import numpy as np, faiss
qpath, xpath, k, queries, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
Q = np.ascontiguousarray(np.load(qpath)[:queries]); X = np.load(xpath)
index = faiss.IndexFlatIP(X.shape[1]); index.add(X)
times = []
for _ in range(repeats):
    t = time.perf_counter(); _, ids = index.search(Q, k); times.append(time.perf_counter() - t)
print(json.dumps(dict(seconds=min(times), threads=faiss.omp_get_max_threads(), ids=ids.tolist())))
`;

interface PythonTopK {
  readonly seconds: number;
  readonly ids: number[][];
  readonly threads?: number;
}

/** Seeded uniform rows in [-0.5, 0.5): distinct scores, so ties do not blur the agreement figure. */
function randomRows(rows: number, dim: number, seed: number): Float32Array {
  const data = new Float32Array(rows * dim);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = (state >>> 0) / 2 ** 32 - 0.5;
  }
  return data;
}

/** Share of the first `queries` lists whose ids agree (as sets) with ours. */
function asLists(lists: NeighborLists): number[][] {
  return Array.from({ length: lists.queries }, (_, q) => Array.from(lists.ids.subarray(q * lists.k, (q + 1) * lists.k)));
}

function agreement(ours: NeighborLists, theirs: readonly number[][]): number {
  let shared = 0;
  let slots = 0;
  theirs.forEach((list, q) => {
    const mine = new Set(ours.ids.subarray(q * ours.k, (q + 1) * ours.k));
    for (const id of list) if (mine.has(id)) shared++;
    slots += list.length;
  });
  return slots ? shared / slots : 1;
}

function faissAvailable(): boolean {
  return spawnSync(FAISS_PYTHON, ['-c', 'import faiss'], { encoding: 'utf8' }).status === 0;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export async function topKSection(settings: TopKBenchSettings, python: Python | undefined, directory: string, table: (header: readonly string[], rows: readonly (readonly string[])[]) => string): Promise<void> {
  const { queries, k, repeats } = settings;
  const cores = availableParallelism();
  console.log(`\n(e) Exact top-${k}, ${queries.toLocaleString('en-US')} queries, inner product, float32; best of ${repeats} (FAISS: best of 1 on ${settings.faissQueries} queries, time scaled to ${queries})`);
  console.log(`    vectorclinic: exactTopK (fused WebAssembly SIMD kernel, ${cores} threads; also 1 thread), from Float32Arrays in memory, copy into kernel memory included`);
  console.log(`    numpy: Q @ Xᵀ + argpartition over 256 MiB score blocks (OpenBLAS, all cores, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'}); FAISS: Debian ${FAISS_PYTHON} IndexFlatIP`);
  // Which build of the fused kernel runs, and the other one timed beside it when this runtime loads both.
  const kernel = topKKernel() ?? 'simd';
  const otherKernel: TopKKernel = kernel === 'simd' ? 'relaxed-simd' : 'simd';
  const haveOther = useTopKKernel(otherKernel) && useTopKKernel(kernel);
  console.log(
    `    kernel: ${kernel}${haveOther ? `; ${otherKernel} timed beside it (same threads, same data)` : `; ${otherKernel} does not load in this runtime${otherKernel === 'relaxed-simd' ? ' (Node 20: node --experimental-wasm-relaxed-simd dist/bench/run-bench.js ...)' : ''}`}`,
  );
  const haveFaiss = faissAvailable();
  if (!haveFaiss) console.log(`  FAISS: 'import faiss' failed in ${FAISS_PYTHON}; its column is empty`);
  const rows: string[][] = [];
  for (const dim of settings.dims) {
    for (const count of settings.rows) {
      const load = loadavg()[0]!.toFixed(1);
      const queryData = randomRows(queries, dim, 1000 + dim);
      let base: Float32Array | undefined = randomRows(count, dim, count + dim);
      const queryPath = join(directory, `topk-queries-${dim}d.npy`);
      const basePath = join(directory, `topk-rows-${count}-${dim}d.npy`);
      writeNpy(queryPath, queryData, queries, dim);
      writeNpy(basePath, base, count, dim);
      const flops = 2 * queries * count * dim;
      let ours = Infinity;
      let oneThread = Infinity;
      let lists: NeighborLists | undefined;
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        lists = await exactTopK({ data: queryData, count: queries, dim }, { data: base, count, dim }, { metric: 'ip', k, threads: cores });
        ours = Math.min(ours, (performance.now() - started) / 1000);
      }
      const started = performance.now();
      await exactTopK({ data: queryData, count: queries, dim }, { data: base, count, dim }, { metric: 'ip', k, threads: 1 });
      oneThread = (performance.now() - started) / 1000;
      let other = Infinity;
      let otherLists: NeighborLists | undefined;
      if (haveOther) {
        useTopKKernel(otherKernel);
        for (let i = 0; i < repeats; i++) {
          const otherStarted = performance.now();
          otherLists = await exactTopK({ data: queryData, count: queries, dim }, { data: base, count, dim }, { metric: 'ip', k, threads: cores });
          other = Math.min(other, (performance.now() - otherStarted) / 1000);
        }
        useTopKKernel(kernel);
      }
      base = undefined; // numpy and FAISS load their own copy: leave them the memory
      const numpy = python ? tryPython(() => runPython<PythonTopK>(python, NUMPY_TOPK_SCRIPT, [queryPath, basePath, String(k), String(repeats)], undefined, 64 << 20)) : undefined;
      const faissQueries = Math.min(queries, settings.faissQueries);
      const faiss = haveFaiss
        ? tryPython(() => runPython<PythonTopK>({ command: FAISS_PYTHON, numpyVersion: '' }, FAISS_FLAT_SCRIPT, [queryPath, basePath, String(k), String(faissQueries), '1'], undefined, 64 << 20))
        : undefined;
      const faissSeconds = faiss ? (faiss.seconds * queries) / faissQueries : undefined;
      const gflops = (seconds: number | undefined): string => (seconds ? fixed(flops / seconds / 1e9, 1) : '—');
      const agree = (theirs: PythonTopK | undefined): string => (theirs && lists ? fixed(agreement(lists, theirs.ids), 4) : '—');
      rows.push([
        String(dim),
        count.toLocaleString('en-US'),
        load,
        fixed(ours, 2),
        gflops(ours),
        fixed(oneThread, 2),
        haveOther ? fixed(other, 2) : '—',
        otherLists && lists ? fixed(agreement(lists, asLists(otherLists)), 4) : '—',
        numpy ? fixed(numpy.seconds, 2) : '—',
        gflops(numpy?.seconds),
        faissSeconds ? fixed(faissSeconds, 2) : '—',
        gflops(faissSeconds),
        numpy ? `${fixed(numpy.seconds / ours, 2)}x` : '—',
        faissSeconds ? `${fixed(faissSeconds / ours, 2)}x` : '—',
        `${agree(numpy)} / ${agree(faiss)}`,
      ]);
    }
  }
  console.log(
    table(
      [
        'd',
        'N',
        'load',
        'ours s',
        'ours GFLOP/s',
        '1 thread s',
        `${otherKernel} s`,
        `${otherKernel} ids agree`,
        'numpy s',
        'numpy GFLOP/s',
        'FAISS s',
        'FAISS GFLOP/s',
        'numpy time ÷ ours',
        'FAISS time ÷ ours',
        'ids agree numpy / FAISS',
      ],
      rows,
    ),
  );
  console.log('  target (issue 20, 1,000 queries over 1M × 768): numpy time ÷ ours ≥ 0.5, FAISS time ÷ ours ≥ 3; "load" is the 1-minute load average before each row');
}

function tryPython<T>(measure: () => T): T | undefined {
  try {
    return measure();
  } catch (error) {
    console.log(`  ${error instanceof Error ? error.message : String(error)}; comparison skipped`);
    return undefined;
  }
}
