/**
 * Reports of stores that each trigger known findings, built once per test file from the shared
 * wordnet-ft128 vectors (files go to a temporary folder and are removed afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { measureReference } from '../../src/manifest/reference.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { normalizedCopy } from '../../src/math/vectors.js';
import { brokenVectors, collapsedVectors, DIM, DOCS, DOCS_MODEL_B, healthyVectors, IvfTestStore, loadRows, QUERIES, QUERIES_MODEL_B, reportFor, reportForFile } from './demo-stores.js';

const ROWS = 2000;

export type ReportName =
  | 'churnedTenants'
  | 'kitchenSink'
  | 'collapsed'
  | 'drift'
  | 'mixedModels'
  | 'foreignQueries'
  | 'empty'
  | 'staleIvf'
  | 'missingRows'
  | 'repeatedIds'
  | 'staleFaiss'
  | 'modelSwap'
  | 'unreachableGraph'
  | 'deletedEntries'
  | 'healthy';

/**
 * kitchenSink: broken rows (zero, NaN, mixed norms, copies) declared against a 96-d cosine model;
 * collapsed: rows squeezed towards one direction with hub rows; drift: raw documents searched with
 * normalized queries; mixedModels: the last 30% of the rows from another model (a backfill after a
 * model swap); foreignQueries: healthy rows searched with another model's queries; empty: no rows; staleIvf: IVF lists trained on another model, probed once;
 * missingRows / repeatedIds: real hnswlib index files (test/fixtures/ann) missing a batch of the
 * reference vectors, and holding repeated labels; staleFaiss: a real FAISS IVFPQ file whose codebook
 * was trained on another model (test/fixtures/faiss); modelSwap: model-B rows behind a policy whose
 * fingerprint was recorded on model-A rows (a store refilled by another model); unreachableGraph: a
 * real FAISS HNSW file built with M 2 on clustered rows (test/fixtures/graphs); deletedEntries: a real
 * hnswlib file with 180 of its 200 elements markDelete'd.
 */
export async function buildReports(): Promise<{ reports: Record<ReportName, Report>; cleanup: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-reports-'));
  const sink = await brokenVectors(ROWS);
  for (const row of [5, 77, 901]) sink[row * DIM + 3] = NaN;
  const healthy = await healthyVectors(ROWS);
  const staleIvf = new IvfTestStore('stale-ivf', healthy, ROWS, IvfTestStore.train(await loadRows(DOCS_MODEL_B, ROWS), ROWS, 16), 16, 1);
  const reports: Record<ReportName, Report> = {
    kitchenSink: await reportForFile(folder, 'kitchen-sink.npy', sink, ROWS, { declared: { metric: 'cosine', dim: 96, from: 'options' } }),
    collapsed: await reportForFile(folder, 'collapsed.npy', await collapsedVectors(ROWS), ROWS),
    drift: await reportForFile(folder, 'drift.npy', await loadRows(DOCS, ROWS), ROWS, {
      declared: { metric: 'ip', from: 'options' },
      queries: { data: normalizedCopy(await loadRows(QUERIES, 300), 300, DIM), rows: 300 },
    }),
    mixedModels: await reportForFile(folder, 'mixed-models.npy', mixedModels(healthy, await loadRows(DOCS_MODEL_B, ROWS)), ROWS),
    foreignQueries: await reportForFile(folder, 'foreign-queries.npy', healthy, ROWS, {
      queries: { data: normalizedCopy(await loadRows(QUERIES_MODEL_B, 300), 300, DIM), rows: 300 },
    }),
    empty: await reportForFile(folder, 'empty.npy', new Float32Array(0), 0),
    staleIvf: await reportFor(staleIvf),
    missingRows: await check(annFixture('missing-batch.hnswlib'), { metric: 'cosine', vectors: annFixture('reference.npy') }),
    repeatedIds: await check(annFixture('duplicate-labels.hnswlib'), { metric: 'cosine' }),
    staleFaiss: await check(new URL('../fixtures/faiss/ivfpq_ip_stale.faiss', import.meta.url).pathname, { metric: 'cosine' }),
    modelSwap: await reportForFile(folder, 'model-swap.npy', normalizedCopy(await loadRows(DOCS_MODEL_B, ROWS), ROWS, DIM), ROWS, {
      declared: { metric: 'cosine', dim: DIM, normalized: true, reference: measureReference(healthy, ROWS, DIM), from: 'manifest' },
    }),
    unreachableGraph: await check(graphFixture('faiss/hnsw-m2-clustered.faiss'), { metric: 'cosine' }),
    deletedEntries: await check(graphFixture('hnswlib/mostly-deleted.hnswlib'), { metric: 'cosine' }),
    healthy: await reportForFile(folder, 'healthy.npy', healthy, ROWS),
    churnedTenants: await check(`pglite://${await churnedTenantStore(folder)}?table=docs`, { metric: 'cosine', sample: 200 }),
  };
  return { reports, cleanup: () => rmSync(folder, { recursive: true, force: true }) };
}

/**
 * A real PGlite + pgvector store at pgvector's defaults: HNSW over every row, a tenant column whose
 * smallest tenant holds 1% of the rows (post-filtering at ef_search 40 loses them), and 80% of the
 * rows deleted after the index was built, without VACUUM (dead entries the index still walks).
 */
async function churnedTenantStore(folder: string): Promise<string> {
  const [{ PGlite }, { vector }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-pgvector')]);
  const path = join(folder, 'churned-tenants');
  const db = await PGlite.create(path, { extensions: { vector } });
  const rows = await loadRows(DOCS, ROWS);
  await buildPgvectorStore(db, { table: 'docs', vectors: { data: rows, count: ROWS, dim: DIM } });
  await db.exec('ALTER TABLE docs ADD COLUMN tenant_id int');
  await db.query('UPDATE docs SET tenant_id = CASE WHEN id % 100 = 0 THEN 1 WHEN id % 10 = 0 THEN 2 ELSE 3 END');
  await db.query('VACUUM docs');
  await db.exec('CREATE INDEX ON docs USING hnsw (embedding vector_cosine_ops)');
  await db.exec('DELETE FROM docs WHERE id % 5 <> 0');
  await db.close();
  return path;
}

/** The first 70% of the rows from model A, the rest the same documents' model-B vectors, all unit length. */
function mixedModels(modelA: Float32Array, modelB: Float32Array): Float32Array {
  const out = modelA.slice();
  const from = Math.round(0.7 * ROWS) * DIM;
  out.set(normalizedCopy(modelB, ROWS, DIM).subarray(from), from);
  return out;
}

function graphFixture(name: string): string {
  return new URL(`../fixtures/graphs/${name}`, import.meta.url).pathname;
}

function annFixture(name: string): string {
  return new URL(`../fixtures/ann/${name}`, import.meta.url).pathname;
}
