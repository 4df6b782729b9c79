import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Document } from '@langchain/core/documents';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { BadRowError } from '../../src/guard/index.js';
import { VectorclinicError } from '../../src/errors.js';
import { guardEmbeddings, guardVectorStore } from '../../src/integrations/langchain/index.js';
import { DIM } from '../rebuild/shared-data.js';
import { LookupEmbeddings } from './lookup-embeddings.js';
import { PgliteVectorStore } from './pglite-vector-store.js';

const DOCS = 40;
const norm = (values: readonly number[]): number => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
const policy = { dim: DIM, metric: 'cosine' as const };

test('MemoryVectorStore behind the guard: bad rows reported, the rest normalized once, count reconciled', async () => {
  const { embeddings, docs } = await LookupEmbeddings.load(DOCS);
  const inner = new MemoryVectorStore(embeddings);
  const store = guardVectorStore(inner, { guard: policy, count: async () => inner.memoryVectors.length });
  const documents = [...docs.map((doc) => new Document({ id: doc.id, pageContent: doc.text })), new Document({ id: 'failed-1', pageContent: 'text the embedder choked on' })];
  await store.addDocuments(documents);
  const report = store.lastReport!;
  assert.deepEqual(
    report.rejected.map((row) => [row.id, row.cause]),
    [['failed-1', 'zero']],
  );
  assert.equal(report.batch.ingested, report.batch.accepted + report.batch.rejected);
  assert.equal(report.reconciliation?.ok, true);
  assert.equal(inner.memoryVectors.length, DOCS);
  assert.ok(
    inner.memoryVectors.every((entry) => Math.abs(norm(entry.embedding) - 1) < 1e-5),
    'stored vectors are unit length',
  );
  assert.equal(report.batch.normalization.rescaled, DOCS);

  const nan = new Array(DIM).fill(0.1);
  nan[3] = Number.NaN;
  await store.addVectors([nan, new Array(DIM).fill(0.2)], [new Document({ pageContent: 'nan' }), new Document({ pageContent: 'ok' })], { ids: ['nan-row', docs[0]!.id] });
  assert.deepEqual(
    store.lastReport!.rejected.map((row) => [row.id, row.cause]),
    [
      ['nan-row', 'nonfinite'],
      [docs[0]!.id, 'existing-id'],
    ],
  );
  assert.equal(inner.memoryVectors.length, DOCS, 'the re-used id was not added again');

  const [top] = await store.similaritySearch(docs[7]!.text, 1);
  assert.equal(top?.pageContent, docs[7]!.text);
  await assert.rejects(store.similaritySearchVectorWithScore(new Array(DIM - 1).fill(1), 3), (error: unknown) => error instanceof BadRowError && error.reason === 'dimension');
  await assert.rejects(store.similaritySearchVectorWithScore(new Array(DIM).fill(0), 3), (error: unknown) => error instanceof BadRowError && error.reason === 'zero');
});

test('pgvector (PGlite) behind the guard: existing ids are reported, never upserted over; a silent overwrite fails reconciliation', { timeout: 120_000 }, async () => {
  const { embeddings, docs } = await LookupEmbeddings.load(DOCS);
  const inner = await PgliteVectorStore.create(embeddings, DIM);
  try {
    await inner.addDocuments([new Document({ pageContent: docs[0]!.text })], { ids: [docs[0]!.id] });
    const guarded = guardVectorStore(inner, { guard: policy, count: () => inner.count(), existingIds: (ids) => inner.existingIds(ids) });
    const documents = docs.map((doc) => new Document({ pageContent: `${doc.text}` }));
    await guarded.addDocuments(documents, { ids: docs.map((doc) => doc.id) });
    const report = guarded.lastReport!;
    assert.deepEqual(
      report.rejected.map((row) => [row.id, row.cause]),
      [[docs[0]!.id, 'existing-id']],
    );
    assert.deepEqual([report.reconciliation?.countBefore, report.reconciliation?.countAfter, report.reconciliation?.ok], [1, DOCS, true]);
    const stored = await inner.db.query<{ n: number }>('SELECT count(*)::int AS n FROM docs WHERE abs(vector_norm(embedding) - 1) < 1e-5');
    assert.equal(stored.rows[0]?.n, DOCS - 1, 'rows added through the guard are unit length (the first was added raw, before it)');
    const [hit] = await guarded.similaritySearchVectorWithScore(await embeddings.embedQuery(docs[12]!.text), 1);
    assert.equal(hit?.[0].id, docs[12]!.id);

    // Without the existing-id lookup the guard cannot know the store's ids: the upsert overwrites, and reconciliation catches it.
    const blind = guardVectorStore(inner, { guard: policy, count: () => inner.count() });
    await assert.rejects(
      blind.addDocuments([new Document({ pageContent: docs[5]!.text })], { ids: [docs[5]!.id] }),
      (error: unknown) => VectorclinicError.isInstance(error) && /grew by 0, not 1: 1 accepted rows were dropped or overwrote existing ones/.test(error.message),
    );
  } finally {
    await inner.db.close();
  }
});

test('guarded embeddings: every vector meets the policy or the call fails, naming the text', async () => {
  const { embeddings, docs } = await LookupEmbeddings.load(5);
  const guarded = guardEmbeddings(embeddings, policy);
  const [vector] = await guarded.embedDocuments([docs[1]!.text]);
  assert.ok(Math.abs(norm(vector!) - 1) < 1e-5);
  await assert.rejects(guarded.embedDocuments([docs[0]!.text, 'unknown text']), (error: unknown) => error instanceof BadRowError && error.row === 1 && error.reason === 'zero');
  assert.ok(Math.abs(norm(await guarded.embedQuery(docs[2]!.text)) - 1) < 1e-5);
});
