import * as lancedb from '@lancedb/lancedb';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Field, FixedSizeList, Float32, Int64, Schema } from 'apache-arrow';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { head, normalized, tempDir, wordnet } from '../helpers/wordnet.js';
import { snapshot } from '../stores/helpers.js';

// pgvector HNSW in PGlite, at pgvector's default hnsw.ef_search (40): unreachable rows come from the
// ANN audit's own sampled-row searches (its exact first answer is the row itself), no search of their own.
const dir = tempDir(after);
const ROWS = 600;
const DIM = 128;
const unreachable = (report: Report): Finding | undefined => report.findings.find((finding) => finding.code === 'unreachable-rows');
const status = (report: Report): string | undefined => report.checks.find((outcome) => outcome.code === 'unreachable-rows')?.status;

/** 60 tight clusters of 10 near-copies of real rows, unit length: a graph with m 2 cuts most of each cluster off. */
function clustered(): Float32Array {
  const base = normalized(head(wordnet(), 60)).data;
  const data = new Float32Array(ROWS * DIM);
  let seed = 11;
  const noise = (): number => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647 - 0.5) * 0.006;
  };
  for (let i = 0; i < ROWS; i++) {
    let sum = 0;
    for (let j = 0; j < DIM; j++) {
      const value = base[(i % 60) * DIM + j]! + noise();
      data[i * DIM + j] = value;
      sum += value * value;
    }
    for (let j = 0; j < DIM; j++) data[i * DIM + j] = data[i * DIM + j]! / Math.sqrt(sum);
  }
  return data;
}

before(async () => {
  // LanceDB IVF_HNSW_SQ (one partition, m 8) over the clustered rows and over real rows.
  const db = await lancedb.connect(join(dir, 'lance'));
  const schema = new Schema([new Field('id', new Int64(), false), new Field('vector', new FixedSizeList(DIM, new Field('item', new Float32(), true)), true)]);
  for (const [name, vectors, m] of [
    ['real', normalized(head(wordnet(), ROWS)).data, 16],
    ['sparse', clustered(), 2],
  ] as const) {
    const rows = Array.from({ length: ROWS }, (_, i) => ({ id: BigInt(i + 1), vector: Array.from(vectors.subarray(i * DIM, (i + 1) * DIM)) }));
    const table = await db.createTable(name, rows, { schema });
    await table.createIndex('vector', { config: lancedb.Index.hnswSq({ numPartitions: 1, m, efConstruction: 8 * m, distanceType: 'cosine' }) });
    table.close();
  }
  db.close();
  for (const [name, vectors, options] of [
    ['clean', normalized(head(wordnet(), ROWS)).data, { m: 16, ef_construction: 64 }],
    ['sparse', clustered(), { m: 2, ef_construction: 4 }],
  ] as const) {
    const db = await PGlite.create({ dataDir: join(dir, name), extensions: { vector } });
    await buildPgvectorStore(db, { table: 'docs', vectors: { data: vectors, count: ROWS, dim: DIM }, index: { method: 'hnsw', opclass: 'vector_cosine_ops', options } });
    await db.close();
  }
});

test('pgvector HNSW m 16 on real embeddings: every sampled row is its own first answer, nothing reported', { timeout: 300_000 }, async () => {
  const store = join(dir, 'clean');
  const before = snapshot(store);
  // A short audit budget keeps the test quick: the reused searches are whatever the audit measured.
  const report = await check(`pglite://${store}?table=docs&column=embedding`, { metric: 'cosine', dim: DIM, sample: 1000, auditBudget: 6 });
  assert.deepEqual(snapshot(store), before, 'the check leaves the store byte-identical');
  assert.equal(unreachable(report), undefined, unreachable(report)?.message);
  assert.equal(status(report), 'pass');
});

test('pgvector HNSW m 2 on clustered rows: unreachable rows found through the generic search, with the store keys', { timeout: 300_000 }, async () => {
  const report = await check(`pglite://${join(dir, 'sparse')}?table=docs&column=embedding`, { metric: 'cosine', dim: DIM, sample: 1000 });
  const found = unreachable(report);
  assert.ok(found, JSON.stringify(report.findings.map((finding) => [finding.code, finding.severity])));
  assert.equal((found.evidence.parameter as { name: string }).name, 'hnsw.ef_search');
  assert.ok((found.evidence.firstIds as string[]).length > 0);
  assert.equal(found.evidence.method, 'exact-first');
});

test('LanceDB IVF_HNSW_SQ: the same generic path (clean m 16: nothing; m 2 on clustered rows: measured at its ef)', { timeout: 300_000 }, async () => {
  const clean = await check(`lancedb://${join(dir, 'lance')}/real`, { metric: 'cosine', dim: DIM, sample: 1000 });
  assert.equal(unreachable(clean), undefined, unreachable(clean)?.message);
  assert.equal(status(clean), 'pass');
  assert.ok(clean.plots?.unreachableRows, 'measured from the audit');
  const sparse = await check(`lancedb://${join(dir, 'lance')}/sparse`, { metric: 'cosine', dim: DIM, sample: 1000 });
  assert.ok(sparse.plots?.unreachableRows);
  assert.equal(sparse.plots.unreachableRows.parameter, 'ef');
});
