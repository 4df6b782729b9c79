/**
 * Time and peak memory of `vectorclinic check` against a pgvector table of 100k and 1M rows.
 * The table lives in PGlite served over the Postgres wire protocol by a separate process, so the
 * check process's peak RSS is the checker's own memory (sampling pushed into Postgres keeps it
 * flat as the table grows). Rows are the shared WordNet vectors tiled with noise, written into a
 * temp directory and deleted afterwards.
 *
 *   npm run bench:stores                      # 100k and 1M rows
 *   npm run bench:stores -- --rows 100000     # one size
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { check } from '../api/check.js';
import { ownPeakRssKb } from './own-peak-rss.js';
import { Rng } from '../math/rng.js';
import { appendVectors, buildPgvectorStore, normalizeRows, readVectorFile } from '../sources/stores/pgvector/build-store.js';

const DIM = 128;
const DEFAULT_SIZES = [100_000, 1_000_000];
/** Rows generated and copied per batch: the server's memory stays flat while the table grows. */
const BATCH_ROWS = 50_000;
const SEED = 20251125;
/** Same depth from src/bench and dist/bench: the shared data set beside the repository. */
const DOCS = fileURLToPath(new URL('../../../shared/data/wordnet-ft128/docs.f32.npy', import.meta.url));
/**
 * Rows are the 20k WordNet documents repeated with Gaussian noise of this size per component
 * (about a third of a unit vector's length): real neighbourhood structure, no exact copies.
 */
const NOISE = 0.03;
/**
 * pgvector's advice is lists = rows/1000, but k-means over 1,000 lists at 1M rows runs PGlite's
 * 32-bit WebAssembly heap out of memory (measured); 500 lists fit.
 */
const MAX_LISTS = 500;
/** The "60-second health check" promise, per table size: the check's wall time must stay under these. */
const GOALS_S: Readonly<Record<number, number>> = { 100_000: 15, 1_000_000: 60 };
/** Peak RSS must not grow with the table: the 1M check may use at most this much more than the 100k one. */
const RSS_GROWTH_MAX_MB = 100;

interface ServerReady {
  readonly port: number;
  readonly buildMs: number;
  readonly indexMs: number;
  readonly lists: number;
}

interface CheckMeasure {
  readonly ms: number;
  readonly peakRssMb: number;
  readonly verdict: string;
  readonly problems: readonly string[];
  readonly sampled: number;
  readonly audit: string;
}

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === '--serve') await serve(Number(args[1]), String(args[2]));
else if (args[0] === '--check') await measureCheck(String(args[1]));
else await main();

async function main(): Promise<void> {
  const rowsFlag = args.indexOf('--rows');
  const sizes =
    rowsFlag >= 0
      ? String(args[rowsFlag + 1])
          .split(',')
          .map(Number)
      : DEFAULT_SIZES;
  console.log(`vectorclinic stores benchmark: pgvector (PGlite over the wire), ivfflat lists = rows/1000 (at most ${MAX_LISTS}), probes 1 (pgvector default)`);
  console.log('rows: the 20k WordNet vectors tiled with noise, unit length, 128-d');
  console.log('timings are wall-clock on a shared machine: treat them as noisy\n');
  console.log(
    `goals: ${Object.entries(GOALS_S)
      .map(([rows, seconds]) => `${Number(rows).toLocaleString('en')} rows < ${seconds} s`)
      .join(', ')}; peak RSS bounded (1M within ${RSS_GROWTH_MAX_MB} MB of 100k, no table in memory)\n`,
  );
  console.log('rows       build(s)  index(s)  check(s)  check peak RSS (MB)  sampled  verdict  findings');
  const results: { rows: number; seconds: number; rssMb: number; audit: string }[] = [];
  for (const rows of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-bench-stores-'));
    const server = spawn(process.execPath, [...process.execArgv, self, '--serve', String(rows), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const ready = JSON.parse(await firstLine(server.stdout)) as ServerReady;
      const checker = spawn(process.execPath, [...process.execArgv, self, '--check', `postgres://postgres@127.0.0.1:${ready.port}/postgres?table=docs`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const measured = JSON.parse(await firstLine(checker.stdout)) as CheckMeasure;
      console.log(
        `${String(rows).padEnd(10)} ${(ready.buildMs / 1000).toFixed(1).padStart(8)}  ${(ready.indexMs / 1000).toFixed(1).padStart(8)}  ${(measured.ms / 1000).toFixed(1).padStart(8)}  ${measured.peakRssMb.toFixed(0).padStart(19)}  ${String(measured.sampled).padStart(7)}  ${measured.verdict.padEnd(7)}  ${measured.problems.join(', ') || '-'}`,
      );
      results.push({ rows, seconds: measured.ms / 1000, rssMb: measured.peakRssMb, audit: measured.audit });
    } finally {
      server.stdin?.end();
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('');
  for (const result of results) console.log(`audit at ${result.rows} rows: ${result.audit}`);
  for (const result of results) {
    const goal = GOALS_S[result.rows];
    if (goal !== undefined) console.log(`goal ${result.rows} rows < ${goal} s: ${result.seconds.toFixed(1)} s ${result.seconds < goal ? 'MET' : 'MISSED'}`);
  }
  const rss = results.map((result) => result.rssMb);
  if (rss.length > 1) {
    const growth = Math.max(...rss) - Math.min(...rss);
    console.log(`goal peak RSS bounded: ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MB across sizes (growth ${growth.toFixed(0)} MB) ${growth <= RSS_GROWTH_MAX_MB ? 'MET' : 'MISSED'}`);
  }
}

/** Child: build the table in PGlite, serve it on a loopback port, stop when stdin closes. */
async function serve(rows: number, dir: string): Promise<void> {
  const db = await PGlite.create({ dataDir: join(dir, 'pgdata'), extensions: { vector } });
  const started = performance.now();
  await buildPgvectorStore(db, { table: 'docs', vectors: { data: new Float32Array(0), count: 0, dim: DIM } });
  const docs = await readVectorFile(DOCS, { normalize: true });
  const rng = new Rng(SEED);
  for (let first = 0; first < rows; first += BATCH_ROWS) {
    const count = Math.min(BATCH_ROWS, rows - first);
    const data = new Float32Array(count * DIM);
    for (let i = 0; i < count; i++) {
      const doc = (first + i) % docs.count;
      for (let j = 0; j < DIM; j++) data[i * DIM + j] = (docs.data[doc * DIM + j] as number) + NOISE * rng.nextGaussian();
    }
    normalizeRows(data, count, DIM);
    await appendVectors(db, 'docs', 'embedding', { data, count, dim: DIM }, { firstId: first + 1 });
  }
  const buildMs = performance.now() - started;
  const lists = Math.max(1, Math.min(MAX_LISTS, Math.round(rows / 1000)));
  const indexed = performance.now();
  // k-means over hundreds of lists needs over 100 MB of working memory (pgvector refuses with the 64 MB default).
  await db.exec(`SET maintenance_work_mem = '1GB'; CREATE INDEX docs_embedding_ivfflat ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists}); ANALYZE docs`);
  const indexMs = performance.now() - indexed;
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  process.stdout.write(`${JSON.stringify({ port, buildMs, indexMs, lists } satisfies ServerReady)}\n`);
  const stop = async (): Promise<void> => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

/** Child: one check, then its wall time and the process's peak resident memory. */
async function measureCheck(url: string): Promise<void> {
  const started = performance.now();
  const report = await check(url, { metric: 'cosine', dim: DIM });
  const ms = performance.now() - started;
  const peakRssMb = ownPeakRssKb() / 1024;
  const problems = report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}:${f.severity}`);
  const audit = report.stats.audit;
  const auditText = audit
    ? `recall@10 ${audit.recallAt10} on ${audit.queries}/${audit.plannedQueries} queries in ${audit.seconds.toFixed(1)} s (budget ${audit.budgetSeconds} s); exact: ${audit.exactMethod}${audit.cuts.length ? `; cut: ${audit.cuts.join('; ')}` : ''}`
    : `not run${report.notes.find((note) => note.startsWith('index recall not audited')) ? `: ${report.notes.find((note) => note.startsWith('index recall not audited'))}` : ''}`;
  process.stdout.write(`${JSON.stringify({ ms, peakRssMb, verdict: report.verdict, problems, sampled: report.stats.sampled, audit: auditText } satisfies CheckMeasure)}\n`);
  process.exit(0);
}

function firstLine(stream: NodeJS.ReadableStream | null): Promise<string> {
  if (!stream) return Promise.reject(new Error('no output stream'));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      resolve(line);
      lines.close();
    });
    lines.once('close', () => {
      if (!answered) reject(new Error('child exited before reporting'));
    });
  });
}
