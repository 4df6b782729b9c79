#!/usr/bin/env -S npx tsx
// Fix it and prove it inside live stores, on ../shared/data/wordnet-ft128 (20,000 WordNet documents,
// 2,000 known-answer questions): a corrupted pgvector table (PGlite) and a corrupted LanceDB table go
// through `rebuild --apply` in place, and `smoke` shows recall@10 back to the clean baseline.
// Prints every number it claims. Usage: npm run demo:fixit-stores (needs ../shared/data; about 3 minutes)
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuild, smoke, type SmokeResult } from '../src/index.js';
import { readIdColumn } from '../src/manifest/ids.js';
import { corrupt, DATA, DIM, NAN_ROWS, NORMALIZED_SHARE, readAll, ROWS, smokeLine, ZERO_ROWS } from './demo-data.js';
import { formatVectorText } from '../src/engines/pgvector/vector-text.js';

const line = (label: string, result: SmokeResult): string => smokeLine(label, result, 54);

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-demo-stores-'));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;
try {
  const docIds = readIdColumn(join(DATA, 'docs.jsonl'));
  const questions = join(DATA, 'queries.jsonl');
  const embedding = { kind: 'file' as const, path: join(DATA, 'queries.f32.npy') };
  const modelA = await readAll('docs.f32.npy');
  const exact = await smoke(join(DATA, 'docs.f32.npy'), { questions, embedding, all: true, ids: join(DATA, 'docs.jsonl') });

  // pgvector: the ivfflat index created on the empty table with the L2 operator class, rows loaded after.
  const pgDir = join(dir, 'pg');
  const db = await PGlite.create({ dataDir: pgDir, extensions: { vector } });
  await db.exec(`CREATE EXTENSION vector; CREATE TABLE items (id text PRIMARY KEY, content text, embedding vector(${DIM})); CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100)`);
  const broken = corrupt(modelA, 'zero');
  for (let start = 0; start < ROWS; start += 1000) {
    const ids = docIds.slice(start, start + 1000);
    const texts = ids.map((_, i) => formatVectorText(broken.subarray((start + i) * DIM, (start + i + 1) * DIM), 'vector'));
    await db.query(`INSERT INTO items SELECT k, 'document ' || k, v::vector FROM unnest($1::text[], $2::text[]) AS u(k, v)`, [ids, texts]);
  }
  await db.close();
  const pgUrl = `pglite://${pgDir}?table=items`;
  console.log(`[${elapsed()}] pgvector: ${ROWS} rows (${ZERO_ROWS + NAN_ROWS} zero, ${NORMALIZED_SHARE * 100}% normalized), ivfflat vector_l2_ops built before the data`);
  const pgBefore = await smoke(pgUrl, { questions, embedding, all: true, metric: 'cosine' });
  const pgRebuild = await rebuild({ source: pgUrl, out: pgUrl, metric: 'cosine', index: 'hnsw', apply: true });
  console.log(
    `[${elapsed()}] rebuild --apply in place: ${pgRebuild.applied?.accepted} accepted, ${pgRebuild.applied?.rejected} rejected, ${pgRebuild.applied?.seconds} s; before ${pgRebuild.before?.verdict} (${pgRebuild.before?.findings.map((f) => f.code).join(', ')}), after ${pgRebuild.after?.verdict} (${pgRebuild.after?.findings.map((f) => f.code).join(', ') || 'no findings'})`,
  );
  const pgAfter = await smoke(pgUrl, { questions, embedding, all: true, metric: 'cosine' });
  await rebuild({ source: join(DATA, 'docs.f32.npy'), out: `pglite://${pgDir}?table=clean`, metric: 'cosine', index: 'hnsw', ids: join(DATA, 'docs.jsonl'), apply: true, checkBeforeAfter: false });
  const pgClean = await smoke(`pglite://${pgDir}?table=clean`, { questions, embedding, all: true, metric: 'cosine' });

  // LanceDB: IVF_PQ with dot distance over the raw/normalized mix, zero and NaN rows.
  const lanceDir = join(dir, 'lance');
  const connection = await lancedb.connect(lanceDir);
  const schema = new Schema([new Field('id', new Utf8(), false), new Field('vector', new FixedSizeList(DIM, new Field('item', new Float32(), true)), true)]);
  const lanceBroken = corrupt(modelA, 'nan');
  const table = await connection.createTable(
    'items',
    docIds.map((id, row) => ({ id, vector: Array.from(lanceBroken.subarray(row * DIM, (row + 1) * DIM)) })),
    { schema },
  );
  await table.createIndex('vector', { config: lancedb.Index.ivfPq({ numPartitions: 64, numSubVectors: 16, distanceType: 'dot' }) });
  table.close();
  connection.close();
  const lanceUrl = `lancedb://${lanceDir}/items`;
  console.log(`[${elapsed()}] LanceDB: the same rows (${NAN_ROWS} of them NaN), IVF_PQ with dot distance`);
  const lanceBefore = await smoke(lanceUrl, { questions, embedding, all: true, metric: 'cosine' });
  const lanceRebuild = await rebuild({ source: lanceUrl, out: lanceUrl, metric: 'cosine', index: 'hnsw', apply: true });
  console.log(
    `[${elapsed()}] rebuild --apply in place: ${lanceRebuild.applied?.accepted} accepted, ${lanceRebuild.applied?.rejected} rejected, ${lanceRebuild.applied?.seconds} s; before ${lanceRebuild.before?.verdict} (${lanceRebuild.before?.findings.map((f) => f.code).join(', ')}), after ${lanceRebuild.after?.verdict} (${lanceRebuild.after?.findings.map((f) => f.code).join(', ') || 'no findings'})`,
  );
  const lanceAfter = await smoke(lanceUrl, { questions, embedding, all: true, metric: 'cosine' });
  await rebuild({ source: join(DATA, 'docs.f32.npy'), out: `lancedb://${lanceDir}/clean`, metric: 'cosine', index: 'hnsw', ids: join(DATA, 'docs.jsonl'), apply: true, checkBeforeAfter: false });
  const lanceClean = await smoke(`lancedb://${lanceDir}/clean`, { questions, embedding, all: true, metric: 'cosine' });

  console.log('');
  console.log(line('pgvector broken (ivfflat l2, built before data)', pgBefore));
  console.log(line('pgvector rebuilt in place (hnsw cosine, ef_search 128)', pgAfter));
  console.log(line('pgvector baseline: rebuilt from clean embeddings', pgClean));
  console.log(line('LanceDB broken (IVF_PQ dot over raw/normalized)', lanceBefore));
  console.log(line('LanceDB rebuilt in place (IVF_HNSW_SQ cosine, ef 128)', lanceAfter));
  console.log(line('LanceDB baseline: rebuilt from clean embeddings', lanceClean));
  console.log(line('exact cosine over clean embeddings', exact));
  console.log('');
  console.log(`recall@10 pgvector: broken ${pgBefore.recall.at10.toFixed(4)} → rebuilt ${pgAfter.recall.at10.toFixed(4)} (clean baseline ${pgClean.recall.at10.toFixed(4)})`);
  console.log(
    `recall@10 LanceDB:  broken ${lanceBefore.recall.at10.toFixed(4)} → rebuilt ${lanceAfter.recall.at10.toFixed(4)} (clean baseline ${lanceClean.recall.at10.toFixed(4)}); exact ${exact.recall.at10.toFixed(4)}`,
  );
  console.log('The rebuilt stores are searched with the setting their manifests record (hnsw.ef_search 128, ef 128), as smoke does by default.');
  console.log(`[${elapsed()}] done`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
