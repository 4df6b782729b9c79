import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import type { AuditQueries } from '../../src/gather/ann-audit.js';
import type { AnnAudit } from '../../src/gather/artifacts.js';
import { gather, type GatherOptions } from '../../src/gather/gather.js';
import { storedVectorsAnswer } from '../../src/gather/exact-reference.js';
import { StreamedExactSearch } from '../../src/gather/streamed-exact.js';
import { exactTopK } from '../../src/math/exact-top-k.js';
import { Rng } from '../../src/math/rng.js';
import { openSource } from '../../src/sources/open-source.js';
import { fixture } from '../ann/fixtures.js';

const faissFixture = (name: string): string => resolve(new URL(`../fixtures/faiss/${name}`, import.meta.url).pathname);

const options = (extra: Partial<GatherOptions> = {}): GatherOptions => ({ sample: 5000, seed: 7, full: false, probeQueries: 10, k: 10, scanBudgetBytes: 2 ** 40, ...extra });

/** The audit minus what is expected to differ between the in-memory and the streamed exact search. */
const comparable = (audit: AnnAudit | undefined): unknown => audit && { ...audit, exactMethod: undefined, seconds: undefined };

async function audited(path: string, extra: Partial<GatherOptions>): Promise<AnnAudit | undefined> {
  const source = await openSource(path, {});
  try {
    const artifacts = await gather(source, { from: 'options' }, { ...options(extra), exactReference: (description, audit) => storedVectorsAnswer(source, description, audit) });
    return artifacts.annAudit;
  } finally {
    await source.close();
  }
}

test('an index audited against its own stored vectors: streamed in one pass, the audit is the in-memory one', async () => {
  for (const path of [faissFixture('ivfflat_l2_stale.faiss'), faissFixture('hnsw_l2_weak.faiss'), fixture('langchain-cosine/hnswlib.index')]) {
    const inMemory = await audited(path, {});
    const streamed = await audited(path, { exactInMemoryFloats: 0 });
    assert.ok(inMemory && streamed, path);
    assert.match(streamed.exactMethod, /one pass for all queries/, path);
    assert.deepEqual(comparable(streamed), comparable(inMemory), path);
  }
});

test('an index audited against a --vectors reference too large to hold: its answers come from the reference scan itself', async () => {
  const index = await openSource(fixture('cos-f32.usearch'), {});
  const reference = await openSource(fixture('reference.npy'), {});
  const progress: number[] = [];
  try {
    const artifacts = await gather(
      index,
      { from: 'options', metric: 'cosine' },
      {
        ...options({ exactInMemoryFloats: 0 }),
        reference: { source: reference },
        onProgress: (p) => {
          if (p.phase === 'audit') progress.push(p.done);
        },
      },
    );
    const audit = artifacts.annAudit;
    assert.ok(audit);
    assert.equal(audit.origin, 'reference-rows');
    assert.equal(audit.queries, 100);
    assert.match(audit.exactMethod, /reference\.npy \(one pass for all queries\)/);
    // A clean index built from these rows finds their neighbours.
    assert.ok(audit.recall > 0.9, String(audit.recall));
    assert.equal(artifacts.reference?.validRows, 600);
    assert.equal(progress.at(-1), 600, 'the audit phase reports the reference rows scanned');
  } finally {
    await index.close();
    await reference.close();
  }
});

test("with --queries, a streamed audit searches the user's queries", async () => {
  const index = await openSource(fixture('cos-f32.usearch'), {});
  const reference = await openSource(fixture('reference.npy'), {});
  const queries = await openSource(fixture('reference.npy'), {});
  try {
    const artifacts = await gather(index, { from: 'options', metric: 'cosine' }, { ...options({ exactInMemoryFloats: 0 }), reference: { source: reference }, queries: { source: queries } });
    assert.equal(artifacts.annAudit?.origin, 'queries');
    assert.equal(artifacts.annAudit?.queries, 100);
    assert.match(artifacts.annAudit?.exactMethod ?? '', /one pass for all queries/);
  } finally {
    await Promise.all([index.close(), reference.close(), queries.close()]);
  }
});

function gaussian(rows: number, dim: number, rng: Rng): Float32Array {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextGaussian();
  return data;
}

test('streamed answers skip the rows not kept and map positions back to row numbers', async () => {
  const rng = new Rng(3);
  const dim = 24;
  const rows = 900;
  const data = gaussian(rows, dim, rng);
  const queries: AuditQueries = { data: gaussian(20, dim, rng), count: 20, dim, origin: 'sampled-rows' };
  const keep = (row: number): boolean => row % 7 !== 3;
  const search = await StreamedExactSearch.open({ queries, metric: 'l2', k: 10, totalRows: rows, description: 'test' });
  for (let start = 0; start < rows; start += 128) {
    const count = Math.min(128, rows - start);
    await search.offer({ dim, count, start, data: data.subarray(start * dim, (start + count) * dim) }, (i) => keep(start + i));
  }
  const answers = await search.finish((row) => `id${row}`);
  assert.equal(answers.kind, 'answers');
  const keptRows = Array.from({ length: rows }, (_, row) => row).filter(keep);
  const kept = new Float32Array(keptRows.length * dim);
  keptRows.forEach((row, i) => kept.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
  const want = await exactTopK(queries, { data: kept, count: keptRows.length, dim }, { metric: 'l2', k: 10, threads: 1 });
  for (let q = 0; q < queries.count; q++) {
    const expected = Array.from(want.ids.subarray(q * 10, (q + 1) * 10)).map((i) => `id${keptRows[i]}`);
    assert.deepEqual(answers.kind === 'answers' ? answers.ids[q] : undefined, expected, `query ${q}`);
  }
});

test('a streamed search that projects past its share of the budget stops and says why', async () => {
  const rng = new Rng(4);
  const dim = 8;
  const queries: AuditQueries = { data: gaussian(5, dim, rng), count: 5, dim, origin: 'sampled-rows' };
  const search = await StreamedExactSearch.open({ queries, metric: 'ip', k: 10, totalRows: 1000, auditBudget: 1e-9, description: 'test' });
  const block = gaussian(100, dim, rng);
  for (let start = 0; start < 1000; start += 100) await search.offer({ dim, count: 100, start, data: block }, () => true);
  const outcome = await search.finish((row) => row);
  assert.equal(outcome.kind, 'cut');
  assert.match(outcome.kind === 'cut' ? outcome.note : '', /^index recall not audited: exact search over all 1000 rows would take about \d+ s \(stopped after 100 rows\)/);
});
