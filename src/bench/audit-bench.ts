import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NAN_ROW_EVERY, writeBenchNpy, warmPageCache, ZERO_ROW_EVERY, type BenchFile } from './bench-data.js';
import { runPython, type Python } from './numpy-reference.js';

/**
 * Bench section (f): the ANN audit of an index over 10M × 128 rows (issue 20: "finishes its full
 * 100-query audit within the default budget"). The rows are written as .npy; Debian FAISS builds
 * an IndexIVFFlat over them (see below); `check` then audits the index against the .npy (--vectors) and
 * against its own stored vectors, each in one streamed pass for all 100 queries.
 */

/** Debian's python3 has faiss; the pyenv one on PATH does not (../shared/DEPENDENCIES.md). */
const FAISS_PYTHON = '/usr/bin/python3';

export interface AuditBenchSettings {
  readonly rows: number;
  readonly dim: number;
}

/** What one timed `check` gives the section. */
export interface TimedCheck {
  readonly seconds: number;
  readonly peakRssKb: number;
  /** CPU seconds (user + system, all threads). */
  readonly cpuSeconds: number;
  readonly report: CheckReportPart;
}

/** The parts of a JSON report the section prints. */
export interface CheckReportPart {
  readonly durationMs: number;
  readonly stats?: {
    readonly audit?: { readonly recallAt10: number; readonly queries: number; readonly plannedQueries: number; readonly seconds: number; readonly budgetSeconds: number | null; readonly exactMethod: string };
  };
  readonly notes?: readonly string[];
}

/**
 * IndexIVFFlat over the .npy: nlist √N/4 rounded to a power of two, centroids by 10 Lloyd
 * iterations on 64 rows per list, every row assigned to its nearest centroid, all in numpy
 * (OpenBLAS: Debian FAISS's reference BLAS needs minutes per million rows here). Debian FAISS then
 * fills the index with those assignments (IndexIVF::add_core) and writes it (write_index).
 */
const IVF_TRAIN_ASSIGN_SCRIPT = `
import json, sys, time
import numpy as np
xpath, centroids_path, assign_path = sys.argv[1:4]
X = np.load(xpath, mmap_mode='r')
n, d = X.shape
nlist = 1 << max(1, int(round(np.log2(np.sqrt(n) / 4))))
t = time.perf_counter()
rng = np.random.default_rng(0)
train = np.array(X[np.sort(rng.choice(n, min(n, 64 * nlist), replace=False))])
train = train[np.isfinite(train).all(axis=1)]
C = train[rng.choice(len(train), nlist, replace=False)].copy()
def nearest(block):
    return np.argmax(2 * block @ C.T - (C * C).sum(axis=1), axis=1)
for _ in range(10):
    a = nearest(train)
    for j in range(nlist):
        members = train[a == j]
        if len(members): C[j] = members.mean(axis=0)
assign = np.empty(n, dtype=np.int64)
for start in range(0, n, 1 << 16):  # 64k rows: 256 MiB of scores per block at nlist 1024
    block = np.array(X[start:start + (1 << 16)])
    block[~np.isfinite(block).all(axis=1)] = 0
    assign[start:start + len(block)] = nearest(block)
np.save(centroids_path, C); np.save(assign_path, assign)
print(json.dumps(dict(seconds=time.perf_counter() - t, nlist=nlist)))
`;

const IVF_WRITE_SCRIPT = `
import json, sys, time
import numpy as np, faiss
xpath, centroids_path, assign_path, out = sys.argv[1:5]
X = np.load(xpath, mmap_mode='r'); C = np.load(centroids_path); assign = np.load(assign_path)
n, d = X.shape
t = time.perf_counter()
quantizer = faiss.IndexFlatL2(d); quantizer.add(C)
index = faiss.IndexIVFFlat(quantizer, d, len(C)); index.is_trained = True
for start in range(0, n, 1 << 20):
    block = np.array(X[start:start + (1 << 20)])
    block[~np.isfinite(block).all(axis=1)] = 0
    ids = np.ascontiguousarray(assign[start:start + len(block)])
    index.add_core(len(block), faiss.swig_ptr(block), None, faiss.swig_ptr(ids))
faiss.write_index(index, out)
print(json.dumps(dict(seconds=time.perf_counter() - t)))
`;

export function auditSection(options: {
  readonly settings: AuditBenchSettings;
  readonly python: Python | undefined;
  readonly directory: string;
  readonly runCheck: (path: string, extra: readonly string[]) => TimedCheck;
  readonly table: (header: readonly string[], rows: readonly (readonly string[])[]) => string;
}): void {
  const { settings, python, directory, runCheck, table } = options;
  const { rows, dim } = settings;
  console.log(`\n(f) ANN audit of a ${rows.toLocaleString('en-US')} × ${dim} index: check INDEX [--vectors ROWS.npy] --format json, default audit budget (files in the page cache)`);
  if (!python) {
    console.log('  numpy is needed to build the index; section skipped');
    return;
  }
  const started = performance.now();
  const npyPath = join(directory, `audit-${rows}-${dim}d.npy`);
  const indexPath = join(directory, `audit-${rows}-${dim}d.ivfflat.faiss`);
  const built = reuse(npyPath, indexPath) ?? build({ python, npyPath, indexPath, rows, dim, directory });
  if ('problem' in built) {
    console.log(`  the index could not be built (${built.problem}); section skipped`);
    return;
  }
  const { file } = built;
  warmPageCache(file.path);
  warmPageCache(indexPath);
  console.log(
    `  data: ${fixed(file.bytes / 2 ** 30, 2)} GiB .npy (random rows, ${file.zeroRows} zero and ${file.nonfiniteRows} NaN rows planted); ` +
      `IndexIVFFlat (${fixed(statSync(indexPath).size / 2 ** 30, 2)} GiB; ${built.how}); ` +
      `${fixed((performance.now() - started) / 1000, 1)} s to prepare`,
  );
  const lines: string[][] = [];
  const notes: string[] = [];
  for (const [label, extra] of [
    ['--vectors (reference rows)', ['--vectors', file.path]],
    ['own stored vectors', []],
  ] as const) {
    const run = runCheck(indexPath, extra);
    const audit = run.report.stats?.audit;
    lines.push([
      label,
      fixed(run.seconds, 1),
      audit ? `${audit.queries} / ${audit.plannedQueries}` : 'none',
      audit ? fixed(audit.seconds, 1) : '—',
      audit?.budgetSeconds != null ? String(audit.budgetSeconds) : '—',
      audit ? fixed(audit.recallAt10, 3) : '—',
      fixed(run.peakRssKb / 1024, 0),
    ]);
    if (audit) notes.push(`  ${label}: ${audit.exactMethod}`);
    for (const note of run.report.notes ?? []) if (note.includes('audit')) notes.push(`  ${label}: ${note}`);
  }
  console.log(table(['exact answers from', 'wall s', 'audit queries done / planned', 'audit s', 'budget s', 'recall@10', 'peak RSS MiB'], lines));
  for (const note of notes) console.log(note);
  console.log('  target (issue 20): the full 100-query audit within the default budget; random rows, so the recall itself means nothing here');
}

type Built = { readonly file: BenchFile; readonly how: string } | { readonly problem: string };

function build(options: { readonly python: Python; readonly npyPath: string; readonly indexPath: string; readonly rows: number; readonly dim: number; readonly directory: string }): Built {
  const { python, npyPath, indexPath, rows, dim, directory } = options;
  const file = writeBenchNpy(npyPath, rows * dim * 4, dim, 20);
  const centroids = join(directory, 'audit-centroids.npy');
  const assignments = join(directory, 'audit-assign.npy');
  try {
    const trained = runPython<{ seconds: number; nlist: number }>(python, IVF_TRAIN_ASSIGN_SCRIPT, [file.path, centroids, assignments]);
    const written = runPython<{ seconds: number }>({ command: FAISS_PYTHON, numpyVersion: '' }, IVF_WRITE_SCRIPT, [file.path, centroids, assignments, indexPath]);
    return { file, how: `nlist ${trained.nlist}; numpy k-means + assignment ${fixed(trained.seconds, 1)} s, FAISS add_core + write_index ${fixed(written.seconds, 1)} s` };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(centroids, { force: true });
    rmSync(assignments, { force: true });
  }
}

/** Files a previous run left in --dir: the same rows (the generator is seeded), not built again. */
function reuse(npyPath: string, indexPath: string): Built | undefined {
  if (!existsSync(npyPath) || !existsSync(indexPath)) return undefined;
  const header = readNpyShape(npyPath);
  if (!header) return undefined;
  const bytes = header.rows * header.dim * 4;
  return { file: { path: npyPath, rows: header.rows, dim: header.dim, bytes, zeroRows: plantedRows(header.rows, ZERO_ROW_EVERY), nonfiniteRows: plantedRows(header.rows, NAN_ROW_EVERY) }, how: 'both reused from --dir' };
}

const plantedRows = (rows: number, every: number): number => Math.floor(rows / every);

function readNpyShape(path: string): { rows: number; dim: number } | undefined {
  const head = Buffer.alloc(256);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const match = /'shape': \((\d+), (\d+)\)/.exec(head.toString('latin1'));
  return match ? { rows: Number(match[1]), dim: Number(match[2]) } : undefined;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
