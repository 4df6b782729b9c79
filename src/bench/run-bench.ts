import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gather } from '../gather/gather.js';
import { idleCores } from '../gather/idle-cores.js';
import { kernels, kernelsFallbackReason } from '../math/kernels.js';
import { createContext } from '../checks/runner.js';
import { modelSplit } from '../computed/model-split.js';
import type { Artifacts } from '../gather/artifacts.js';
import { openSource } from '../sources/open-source.js';
import { warmPageCache, writeBenchNpy, type BenchFile } from './bench-data.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { writeBenchFaiss, writeBenchHnswlib } from './index-files.js';
import { topKSection, type TopKBenchSettings } from './top-k-bench.js';
import { coldSection } from './cold-bench.js';
import { auditSection, type AuditBenchSettings, type CheckReportPart } from './audit-bench.js';
import { findNumpy, numpyMatmulSeconds, numpyScan, type Python } from './numpy-reference.js';

/**
 * `npm run bench`: vectorclinic's full scan, `check` command and dot kernel against numpy on the
 * same machine, in the same run, on the same files (written to a temp dir and deleted after).
 */

const GIB = 2 ** 30;
/** check's default sample. */
const SAMPLE_ROWS = 5000;
const MB = 1e6;
const USAGE = `usage: npm run bench -- [options]
  --sizes 0.25,1,2     GiB of the .npy files the check command runs on (default 0.25,1,2)
  --scan-size 1        GiB of the file the full scan is compared on (default 1)
  --dim 128            dimension of the generated rows (default 128)
  --repeats 3          timed runs per figure; the best is shown (default 3)
                       (g) runs max(5, repeats) cat/check pairs and shows each pair and the median
  --dot-queries 1000   --dot-base 100000   --dot-dims 128,768   dot kernel shapes
  --index-size 2       GiB of vectors in each index file section (d) checks (default 2)
  --topk-rows 100000,1000000  --topk-dims 128,384,768,1536  --topk-queries 1000  --topk-faiss-queries 100
                       exact top-10 section (e): rows N (list), dims (list), queries, queries FAISS runs
  --audit-rows 10000000  --audit-dim 128
                       ANN audit section (f): rows and dimension of the IVF index audited
  --cold-size 2        GiB of the .npy section (g) reads from a cold page cache (default 2)
  --only scan,check,dot,index,topk,audit,cold   run only these sections
  --dir DIR            write the data files here and keep them (default: a temp dir, deleted)
  --quick              every section at small sizes (a few minutes): 0.25 GiB files, 1 repeat,
                       top-k 100 queries over 100k rows at d 128 and 768, a 1M-row audit; options given win`;

interface Settings {
  readonly sizes: number[];
  readonly scanSize: number;
  readonly dim: number;
  readonly repeats: number;
  readonly dotQueries: number;
  readonly dotBase: number;
  readonly dotDims: number[];
  readonly sections: Set<string>;
  readonly indexSize: number;
  readonly directory: string | undefined;
  readonly topK: TopKBenchSettings;
  readonly audit: AuditBenchSettings;
  readonly coldSize: number;
}

/** Every section at the sizes issue 20 and the docs quote (tens of minutes on 2 cores). */
const DEFAULTS = {
  sizes: '0.25,1,2',
  'scan-size': '1',
  dim: '128',
  repeats: '3',
  'dot-queries': '1000',
  'dot-base': '100000',
  'dot-dims': '128,768',
  only: 'scan,check,dot,index,topk,audit,cold',
  'cold-size': '2',
  'audit-rows': '10000000',
  'audit-dim': '128',
  'topk-rows': '100000,1000000',
  'topk-dims': '128,384,768,1536',
  'topk-queries': '1000',
  'topk-faiss-queries': '100',
  'index-size': '2',
} as const;
/**
 * --quick: every section, small enough to run in a few minutes under load (a smoke test of the
 * bench and a rough figure, not the recorded one). Explicit options still win.
 */
const QUICK: Partial<Record<keyof typeof DEFAULTS, string>> = {
  sizes: '0.25',
  'scan-size': '0.25',
  repeats: '1',
  'cold-size': '0.5',
  'audit-rows': '1000000',
  'topk-rows': '100000',
  'topk-dims': '128,768',
  'topk-queries': '100',
  'topk-faiss-queries': '10',
  'index-size': '0.25',
};

function parseSettings(): Settings {
  const { values: given } = parseArgs({
    options: {
      sizes: { type: 'string' },
      'scan-size': { type: 'string' },
      dim: { type: 'string' },
      repeats: { type: 'string' },
      'dot-queries': { type: 'string' },
      'dot-base': { type: 'string' },
      'dot-dims': { type: 'string' },
      only: { type: 'string' },
      'cold-size': { type: 'string' },
      'audit-rows': { type: 'string' },
      'audit-dim': { type: 'string' },
      'topk-rows': { type: 'string' },
      'topk-dims': { type: 'string' },
      'topk-queries': { type: 'string' },
      'topk-faiss-queries': { type: 'string' },
      'index-size': { type: 'string' },
      dir: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const values = Object.fromEntries(Object.entries(DEFAULTS).map(([name, value]) => [name, given[name as keyof typeof given] ?? (given.quick ? QUICK[name as keyof typeof DEFAULTS] : undefined) ?? value])) as Record<
    keyof typeof DEFAULTS,
    string
  >;
  const { dir } = given;
  if (given.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const numbers = (text: string, name: string): number[] => {
    const list = text.split(',').map(Number);
    if (list.some((value) => !(value > 0))) throw new Error(`--${name}: expected positive numbers, got '${text}'\n${USAGE}`);
    return list;
  };
  return {
    sizes: numbers(values.sizes, 'sizes'),
    scanSize: numbers(values['scan-size'], 'scan-size')[0] as number,
    dim: Math.round(numbers(values.dim, 'dim')[0] as number),
    repeats: Math.round(numbers(values.repeats, 'repeats')[0] as number),
    dotQueries: Math.round(numbers(values['dot-queries'], 'dot-queries')[0] as number),
    dotBase: Math.round(numbers(values['dot-base'], 'dot-base')[0] as number),
    dotDims: numbers(values['dot-dims'], 'dot-dims').map(Math.round),
    sections: new Set(values.only.split(',')),
    indexSize: numbers(values['index-size'], 'index-size')[0] as number,
    directory: dir,
    topK: {
      queries: Math.round(numbers(values['topk-queries'], 'topk-queries')[0] as number),
      rows: numbers(values['topk-rows'], 'topk-rows').map(Math.round),
      dims: numbers(values['topk-dims'], 'topk-dims').map(Math.round),
      k: 10,
      repeats: Math.round(numbers(values.repeats, 'repeats')[0] as number),
      faissQueries: Math.round(numbers(values['topk-faiss-queries'], 'topk-faiss-queries')[0] as number),
    },
    coldSize: numbers(values['cold-size'], 'cold-size')[0] as number,
    audit: {
      rows: Math.round(numbers(values['audit-rows'], 'audit-rows')[0] as number),
      dim: Math.round(numbers(values['audit-dim'], 'audit-dim')[0] as number),
    },
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => '  ' + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('   ');
  return [line(header), ...rows.map(line)].join('\n');
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const millions = (value: number): string => `${fixed(value / 1e6, 2)}M`;
const ratio = (ours: number, theirs: number | undefined): string => (theirs ? `${fixed(ours / theirs, 2)}x` : '—');

/** A numpy figure, or undefined (with the reason printed) when the Python side fails: the bench goes on. */
function orSkip<T>(measure: () => T): T | undefined {
  try {
    return measure();
  } catch (error) {
    console.log(`  numpy: ${error instanceof Error ? error.message : String(error)}; comparison skipped`);
    return undefined;
  }
}

/** Best wall-clock seconds of `repeats` runs of `run`, and its last result. */
async function best<T>(repeats: number, run: () => Promise<T> | T): Promise<{ seconds: number; result: T }> {
  let seconds = Infinity;
  let result: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    result = await run();
    seconds = Math.min(seconds, (performance.now() - started) / 1000);
  }
  return { seconds, result: result as T };
}

async function scanOnce(file: BenchFile, scanThreads?: number) {
  const source = await openSource(file.path);
  try {
    const artifacts = await gather(
      source,
      { from: 'options' },
      {
        sample: 5000,
        seed: 0,
        full: false,
        probeQueries: 50,
        k: 20,
        scanBudgetBytes: Number.POSITIVE_INFINITY,
        ...(scanThreads ? { scanThreads } : {}),
      },
    );
    return artifacts.rowStats;
  } finally {
    await source.close();
  }
}

async function scanSection(file: BenchFile, settings: Settings, python: Python | undefined): Promise<void> {
  console.log(`\n(a) Full scan of ${fixed(file.bytes / GIB, 2)} GiB (${file.rows.toLocaleString('en-US')} × ${file.dim} float32), file in the page cache`);
  console.log('    vectorclinic: gather() as `check` runs it: norms, zero/NaN/Inf flags, row hashes, duplicate table,');
  console.log('    norm sketch, column counts, 5,000-row sample. numpy: np.linalg.norm(X, axis=1) + zero-row and');
  console.log('    NaN/Inf-row counts; "load+compute" includes np.load from the page cache, "compute" is on X in memory.');
  const threads = availableParallelism();
  const idle = idleCores();
  const sequential = await best(settings.repeats, () => scanOnce(file, 1));
  const parallel = await best(settings.repeats, () => scanOnce(file, threads));
  const reference = python ? orSkip(() => numpyScan(python, file.path, settings.repeats)) : undefined;
  const numpyTotal = reference ? reference.loadSeconds + reference.computeSeconds : undefined;
  const rows: [string, number][] = [
    ['vectorclinic scan, 1 thread', sequential.seconds],
    [`vectorclinic scan, ${threads} threads`, parallel.seconds],
  ];
  console.log(`    check's default here: ${Math.min(idle, threads)} thread(s) (one per idle core by the load average; 1 below 512 MiB)`);
  if (reference && numpyTotal !== undefined) {
    rows.push(['numpy load+compute (norms + counts)', numpyTotal]);
    rows.push(['numpy compute (norms + counts)', reference.computeSeconds]);
    rows.push(['numpy compute (norms only)', reference.normsSeconds]);
  }
  console.log(
    table(
      ['', 'seconds', 'rows/s', 'MB/s', 'numpy load+compute ÷ this', 'numpy compute ÷ this'],
      rows.map(([name, seconds]) => [
        name,
        fixed(seconds, 3),
        millions(file.rows / seconds),
        fixed(file.bytes / MB / seconds, 0),
        numpyTotal ? ratio(numpyTotal, seconds) : '—',
        reference ? ratio(reference.computeSeconds, seconds) : '—',
      ]),
    ),
  );
  const stats = parallel.result;
  const agree = (ours: number, theirs: number | undefined): string => `${ours}${theirs === undefined ? '' : ours === theirs ? ' (numpy: same)' : ` (numpy: ${theirs}, DIFFERENT)`}`;
  console.log(`  zero rows ${agree(stats.zero.count, reference?.zeroRows)}, NaN/Inf rows ${agree(stats.nonfinite.count, reference?.nonfiniteRows)}; planted ${file.zeroRows} and ${file.nonfiniteRows}`);
  if (!python) console.log('  numpy: not available, comparison skipped');
}

/** `node dist/cli.js` (or src/cli.ts through tsx when the bench itself runs from src/). */
function cliCommand(): { readonly args: string[]; readonly preload: string[] } {
  const extension = extname(fileURLToPath(import.meta.url));
  const cli = fileURLToPath(new URL(`../cli${extension}`, import.meta.url));
  const peakRss = fileURLToPath(new URL(`./peak-rss${extension}`, import.meta.url));
  return { args: [cli], preload: [...(extension === '.ts' ? ['--import', 'tsx'] : []), '--import', peakRss] };
}

function checkOnce(path: string, scratch: string, extra: readonly string[] = []): { seconds: number; reportMs: number; peakRssKb: number; cpuSeconds: number; report: CheckReportPart } {
  const { args, preload } = cliCommand();
  const rssFile = join(scratch, 'peak-rss.txt');
  const started = performance.now();
  const child = spawnSync(process.execPath, [...preload, ...args, 'check', path, '--format', 'json', ...extra], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, VECTORCLINIC_BENCH_PEAK_RSS_FILE: rssFile },
  });
  const seconds = (performance.now() - started) / 1000;
  // Exit 1 means "a fail finding" (random rows have some): still a completed check.
  if (child.status !== 0 && child.status !== 1) throw new Error(`check ${path} exited ${child.status}: ${child.stderr.trim()}`);
  const report = JSON.parse(child.stdout) as CheckReportPart;
  const [peakRssKb, cpuSeconds] = readFileSync(rssFile, 'utf8').split(' ').map(Number) as [number, number];
  return { seconds, reportMs: report.durationMs, peakRssKb, cpuSeconds, report };
}

async function checkSection(files: readonly BenchFile[], settings: Settings, scratch: string): Promise<void> {
  const shown = cliCommand()
    .args.map((path) => path.replace(/^.*\/(dist|src)\//, '$1/'))
    .join(' ');
  console.log(`\n(b) node ${shown} check FILE --format json (best of ${settings.repeats}; files in the page cache)`);
  const rows: string[][] = [];
  const peaks: number[] = [];
  for (const file of files) {
    const { seconds, reportMs, peakKb } = timeCheck(file.path, scratch, settings.repeats, []);
    peaks.push(peakKb);
    rows.push([`${fixed(file.bytes / GIB, 2)} GiB`, file.rows.toLocaleString('en-US'), fixed(seconds, 2), fixed(reportMs / 1000, 2), fixed(file.bytes / MB / seconds, 0), fixed(peakKb / 1024, 0)]);
  }
  console.log(table(['file', 'rows', 'wall s', 'check s (report)', 'MB/s (wall)', 'peak RSS MiB'], rows));
  const provenance: string[][] = [];
  for (const [i, file] of files.entries()) {
    const seconds = await provenanceSeconds(file.path, settings.repeats);
    const checkSeconds = Number(rows[i]?.[3]);
    provenance.push([`${fixed(file.bytes / GIB, 2)} GiB`, String(file.dim), fixed(seconds, 3), `${fixed((100 * seconds) / checkSeconds, 1)}%`]);
  }
  console.log('  model provenance: the mixed-models split search on the 5,000-row sample (library, in process), as a share of the check time above');
  console.log(table(['file', 'dim', 'mixed-models s', 'share of check'], provenance));
  const last = files.at(-1);
  if (last) console.log(`  target: under 2 s for 2 GiB; peak RSS flat in file size (here ${fixed((peaks[0] ?? 0) / 1024, 0)} → ${fixed((peaks.at(-1) ?? 0) / 1024, 0)} MiB)`);
}

/** Best-of-N wall time, check time and the worst peak RSS of `check` on one file. */
function timeCheck(path: string, scratch: string, repeats: number, extra: readonly string[]): { seconds: number; reportMs: number; peakKb: number } {
  let seconds = Infinity;
  let reportMs = Infinity;
  let peakKb = 0;
  for (let i = 0; i < repeats; i++) {
    const run = checkOnce(path, scratch, extra);
    seconds = Math.min(seconds, run.seconds);
    reportMs = Math.min(reportMs, run.reportMs);
    peakKb = Math.max(peakKb, run.peakRssKb);
  }
  return { seconds, reportMs, peakKb };
}

/** The mixed-models search (graph, 2-means, relation tests) on the 5,000 rows `check` samples: its added cost. */
async function provenanceSeconds(path: string, repeats: number): Promise<number> {
  const source = await openSource(path, {});
  let sample: { dim: number; count: number; rows: number[]; data: Float32Array };
  try {
    const { rows, dim } = await source.describe();
    const picked = sampleIndices(rows, Math.min(rows, SAMPLE_ROWS), new Rng(0));
    const block = await source.readRows(picked);
    sample = { dim, count: block.count, rows: picked, data: block.data };
  } finally {
    await source.close();
  }
  const artifacts = { sample, rowStats: {}, settings: { seed: 0 } } as unknown as Artifacts;
  const { seconds } = await best(repeats, () => modelSplit(artifacts, createContext()));
  return seconds;
}

/** Open the index, read its header and 5,000 sampled rows: what `check` needs before its full scan. */
async function headerAndSampleSeconds(path: string, repeats: number): Promise<number> {
  const { seconds } = await best(repeats, async () => {
    const source = await openSource(path, { metric: 'cosine' });
    try {
      const { rows } = await source.describe();
      await source.readRows(sampleIndices(rows, Math.min(rows, SAMPLE_ROWS), new Rng(0)));
    } finally {
      await source.close();
    }
  });
  return seconds;
}

async function indexSection(settings: Settings, directory: string, python: Python | undefined): Promise<void> {
  console.log(`\n(d) ${fixed(settings.indexSize, 1)} GiB index files: open + header + a 5,000-row sample (library), and check INDEX --metric cosine --format json (best of ${settings.repeats}; files in the page cache)`);
  const started = performance.now();
  const bytes = settings.indexSize * GIB;
  const faiss = python ? writeBenchFaiss(python, directory, bytes, settings.dim) : { problem: 'no Python with numpy to run make_large_faiss.py' };
  const indexes = [...('problem' in faiss ? [] : faiss), writeBenchHnswlib(join(directory, 'graph.hnsw'), bytes, settings.dim, 7)];
  for (const index of indexes) warmPageCache(index.path);
  console.log(`    written in ${fixed((performance.now() - started) / 1000, 1)} s${'problem' in faiss ? `; FAISS files skipped: ${faiss.problem}` : ''}`);
  const rows: string[][] = [];
  for (const index of indexes) {
    const sample = await headerAndSampleSeconds(index.path, settings.repeats);
    const run = timeCheck(index.path, directory, settings.repeats, ['--metric', 'cosine']);
    rows.push([index.kind, `${fixed(index.bytes / GIB, 2)} GiB`, index.rows.toLocaleString('en-US'), fixed(sample, 3), fixed(run.reportMs / 1000, 2), fixed(run.seconds, 2), fixed(run.peakKb / 1024, 0), index.writtenBy]);
  }
  console.log(table(['index', 'file', 'vectors', 'header + 5k sample s', 'check s (report)', 'check wall s', 'peak RSS MiB', 'written by'], rows));
  console.log('  target: header + 5k sample well under 2 s, memory bounded; the whole check (full scan of every vector included) in seconds');
}

function dotSection(settings: Settings, python: Python | undefined): void {
  const { dotQueries: queries, dotBase: base } = settings;
  console.log(`\n(c) Dot products ${queries.toLocaleString('en-US')} × d · d × ${base.toLocaleString('en-US')} (A·Bᵀ, float32, output reused), best of ${settings.repeats}`);
  console.log(`    vectorclinic: kernels().dot on one thread, operands in kernel memory (allocate()), and once as plain arrays (copied in blocks)`);
  const coreType = process.env.OPENBLAS_CORETYPE;
  const rows: string[][] = [];
  for (const dim of settings.dotDims) {
    const flops = 2 * queries * base * dim;
    const k = kernels();
    const a = k.allocate(queries * dim);
    const b = k.allocate(base * dim);
    const out = k.allocate(queries * base);
    let plainSeconds = Infinity;
    let inPlaceSeconds = Infinity;
    try {
      let state = 12345;
      const fill = (values: Float32Array): void => {
        for (let i = 0; i < values.length; i++) {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          values[i] = state / 2 ** 32 - 0.5;
        }
      };
      fill(a.floats);
      fill(b.floats);
      k.dot({ data: a.floats, count: queries, dim }, { data: b.floats, count: base, dim }, out.floats);
      for (let i = 0; i < settings.repeats; i++) {
        const started = performance.now();
        k.dot({ data: a.floats, count: queries, dim }, { data: b.floats, count: base, dim }, out.floats);
        inPlaceSeconds = Math.min(inPlaceSeconds, (performance.now() - started) / 1000);
      }
      const plainA = Float32Array.from(a.floats);
      const plainB = Float32Array.from(b.floats);
      // Touched before timing: first-touch page faults on 400 MB would otherwise dominate.
      const plainOut = new Float32Array(queries * base).fill(1);
      // One run: it only shows what copying operands in costs next to the in-place figure.
      const started = performance.now();
      k.dot({ data: plainA, count: queries, dim }, { data: plainB, count: base, dim }, plainOut);
      plainSeconds = (performance.now() - started) / 1000;
    } finally {
      a.release();
      b.release();
      out.release();
    }
    const numpySeconds = python ? orSkip(() => numpyMatmulSeconds(python, { queries, base, dim }, { repeats: settings.repeats })) : undefined;
    const unsetEnv = { ...process.env };
    delete unsetEnv.OPENBLAS_CORETYPE;
    const numpyUnsetSeconds = python && coreType !== undefined ? orSkip(() => numpyMatmulSeconds(python, { queries, base, dim }, { repeats: settings.repeats, env: unsetEnv })) : undefined;
    const gflops = (seconds: number | undefined): string => (seconds ? fixed(flops / seconds / 1e9, 1) : '—');
    rows.push([String(dim), gflops(inPlaceSeconds), gflops(plainSeconds), gflops(numpySeconds), coreType !== undefined ? gflops(numpyUnsetSeconds) : '—', numpySeconds ? ratio(numpySeconds, inPlaceSeconds) : '—']);
  }
  console.log(table(['d', 'vectorclinic GFLOP/s', 'plain arrays GFLOP/s', `numpy GFLOP/s (OPENBLAS_CORETYPE=${coreType ?? 'unset'})`, 'numpy, CORETYPE unset', 'numpy time ÷ ours'], rows));
  console.log(`  numpy uses OpenBLAS on all ${availableParallelism()} cores; vectorclinic's dot runs on one.`);
}

async function main(): Promise<void> {
  const settings = parseSettings();
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  const found = findNumpy();
  const python = 'command' in found ? found : undefined;
  console.log(`vectorclinic bench, ${new Date().toISOString()}`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${fixed(totalmem() / GIB, 1)} GiB RAM; load average ${load} at start`);
  console.log(`         (other processes share these cores: timings are noisy, compare ratios measured in the same run)`);
  console.log(`node ${process.version}; kernels: ${kernels().name}${kernelsFallbackReason() ? ` (${kernelsFallbackReason()})` : ''}`);
  console.log(`numpy: ${python ? `${python.numpyVersion} via ${python.command}` : (found as { problem: string }).problem}; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'}`);

  const directory = settings.directory ?? mkdtempSync(join(tmpdir(), 'vectorclinic-bench-'));
  mkdirSync(directory, { recursive: true });
  try {
    const needScan = settings.sections.has('scan');
    const needCheck = settings.sections.has('check');
    const needIndex = settings.sections.has('index');
    const needCold = settings.sections.has('cold');
    const sizes = [...new Set([...(needCheck ? settings.sizes : []), ...(needScan ? [settings.scanSize] : []), ...(needCold ? [settings.coldSize] : [])])].sort((x, y) => x - y);
    const started = performance.now();
    const files = new Map<number, BenchFile>();
    for (const size of sizes) {
      const file = writeBenchNpy(join(directory, `rows-${size}gib-${settings.dim}d.npy`), size * GIB, settings.dim, Math.round(size * 1000));
      warmPageCache(file.path);
      files.set(size, file);
    }
    if (files.size) console.log(`data: ${files.size} .npy files in ${directory}, written and read once in ${fixed((performance.now() - started) / 1000, 1)} s`);

    if (needScan) await scanSection(files.get(settings.scanSize) as BenchFile, settings, python);
    if (needCheck)
      await checkSection(
        settings.sizes.map((size) => files.get(size) as BenchFile),
        settings,
        directory,
      );
    if (settings.sections.has('dot')) dotSection(settings, python);
    if (needIndex) await indexSection(settings, directory, python);
    if (settings.sections.has('topk')) await topKSection(settings.topK, python, directory, table);
    if (needCold) coldSection({ file: files.get(settings.coldSize) as BenchFile, repeats: settings.repeats, runCheck: (path, extra) => checkOnce(path, directory, extra), table });
    if (settings.sections.has('audit')) auditSection({ settings: settings.audit, python, directory, runCheck: (path, extra) => checkOnce(path, directory, extra), table });
  } finally {
    if (!settings.directory) rmSync(directory, { recursive: true, force: true });
  }
}

await main();
