import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int64, Schema } from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../../src/index.js';
import { formatJson } from '../../src/reporters/json.js';
import { readNpyF32 } from '../helpers/npy.js';
import { runCli as runCliProcess } from '../helpers/cli.js';
import { normalizeJson } from './normalize.js';

/**
 * The golden reports: `check --format json` on one fixture of each kind vectorclinic reads (files, index
 * files, a PGlite pgvector store and a LanceDB table built here from fixture rows), plus one `smoke` and
 * one `guard` JSON through the CLI. They guard refactors: the JSON must not change by a byte apart from
 * what normalize.ts names.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('./reports/', import.meta.url));
const WORDNET = '../shared/data/wordnet-ft128/';

/** A check case: a target (relative to the repository root) and its options. */
interface CheckCase {
  readonly name: string;
  readonly target: (dirs: StoreDirs) => string;
  readonly options?: Parameters<typeof check>[1];
}

interface StoreDirs {
  readonly pglite: string;
  readonly lancedb: string;
}

const CHECK_CASES: readonly CheckCase[] = [
  { name: 'npy-clean', target: () => 'test/fixtures/ann/reference.npy', options: { metric: 'cosine' } },
  { name: 'npy-overflow', target: () => 'test/fixtures/files/npy/f2-overflow.npy' },
  { name: 'jsonl-nonfinite', target: () => 'test/fixtures/files/jsonl/python-nonfinite.jsonl' },
  { name: 'parquet-faults', target: () => 'test/fixtures/files/columnar/list-f64-faults.parquet' },
  { name: 'arrow-fixed', target: () => 'test/fixtures/files/columnar/fixed-f32.arrow' },
  { name: 'faiss-flat-mixed-norms', target: () => 'test/fixtures/faiss/flat_mixed_norms.faiss' },
  { name: 'faiss-ivfpq-stale', target: () => 'test/fixtures/faiss/ivfpq_ip_stale.faiss' },
  { name: 'faiss-hnsw-weak', target: () => 'test/fixtures/faiss/hnsw_l2_weak.faiss' },
  { name: 'hnswlib-ip-raw', target: () => 'test/fixtures/ann/ip-raw.hnswlib' },
  { name: 'usearch-cos', target: () => 'test/fixtures/ann/cos-f32.usearch' },
  { name: 'pglite-ivfflat', target: (dirs) => `pglite://${dirs.pglite}?table=docs&column=embedding`, options: { metric: 'cosine' } },
  { name: 'lancedb-ivf', target: (dirs) => `lancedb://${dirs.lancedb}/docs`, options: { metric: 'cosine' } },
];

/** Fixture rows for the stores: 600 real fastText vectors (raw lengths 0.52–0.76). */
const STORE_ROWS = 'test/fixtures/ann/reference.npy';

/** Every golden report by name (file name without .json), normalized. */
export async function goldenReports(): Promise<Map<string, string>> {
  const temp = mkdtempSync(join(tmpdir(), 'vectorclinic-golden-'));
  try {
    const dirs = await buildStores(temp);
    const paths = { repoRoot: REPO_ROOT, tempDirs: [temp] };
    const reports = new Map<string, string>();
    for (const { name, target, options } of CHECK_CASES) {
      const report = await check(target(dirs), options);
      reports.set(`check-${name}`, normalizeJson(formatJson(report), paths));
    }
    reports.set('smoke-exact', normalizeJson(await smokeJson(temp), paths));
    reports.set('guard-faults', normalizeJson(await guardJson(temp), paths));
    return reports;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

async function buildStores(temp: string): Promise<StoreDirs> {
  const rows = readNpyF32(join(REPO_ROOT, STORE_ROWS));
  const vectors = Array.from({ length: rows.rows }, (_, row) => Array.from(rows.data.subarray(row * rows.dim, (row + 1) * rows.dim)));

  const pglite = join(temp, 'pglite');
  const db = await PGlite.create({ dataDir: pglite, extensions: { vector } });
  await db.exec(`CREATE EXTENSION vector; CREATE TABLE docs (id bigint PRIMARY KEY, embedding vector(${rows.dim}))`);
  for (let row = 0; row < rows.rows; row++) await db.query('INSERT INTO docs VALUES ($1, $2)', [row + 1, `[${vectors[row]?.join(',')}]`]);
  // IVFFlat with one list: pgvector's HNSW draws random levels (and k-means random centers), so any
  // other index would make the golden report's measured recall vary run to run.
  await db.exec('CREATE INDEX ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 1)');
  await db.close();

  const lance = join(temp, 'lancedb');
  const connection = await lancedb.connect(lance);
  const schema = new Schema([new Field('id', new Int64(), false), new Field('vector', new FixedSizeList(rows.dim, new Field('item', new Float32(), true)), true)]);
  const table = await connection.createTable(
    'docs',
    vectors.map((values, row) => ({ id: BigInt(row + 1), vector: values })),
    { schema },
  );
  // One partition: LanceDB's k-means has no seed, so more lists would make the golden report vary run to run.
  await table.createIndex('vector', { config: lancedb.Index.ivfFlat({ numPartitions: 1, distanceType: 'cosine' }) });
  table.close();
  connection.close();
  return { pglite, lancedb: lance };
}

/** `smoke --format json`: exact search over the shared model-A documents for 200 sampled questions. */
function smokeJson(temp: string): Promise<string> {
  const questions = join(temp, 'questions.jsonl');
  writeFileSync(questions, readFileSync(join(REPO_ROOT, WORDNET, 'queries.jsonl')));
  return runCli(['smoke', `${WORDNET}docs.f32.npy`, '--questions', questions, '--query-vectors', `${WORDNET}queries.f32.npy`, '--ids', `${WORDNET}docs.jsonl`, '--sample', '200', '--seed', '3', '--format', 'json']);
}

/** `guard --format json` on a JSONL file with NaN and ±Infinity rows, with a quarantine file. */
function guardJson(temp: string): Promise<string> {
  const target = 'test/fixtures/files/jsonl/python-nonfinite.jsonl';
  return runCli(['guard', target, '--dim', '4', '--metric', 'cosine', '--out', join(temp, 'clean.npy'), '--quarantine', join(temp, 'rejected.jsonl'), '--format', 'json']);
}

/** The CLI's stdout (exit 0 or 1: the JSON holds the verdict); anything else is a failed case. */
async function runCli(args: readonly string[]): Promise<string> {
  const run = await runCliProcess(args);
  if (run.code !== 0 && run.code !== 1) throw new Error(`vectorclinic ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}
