import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { openPgvector } from '../../src/sources/stores/pgvector/connector.js';
import { pgliteSession } from '../../src/engines/pgvector/pglite-session.js';
import { formatVectorText } from '../../src/engines/pgvector/vector-text.js';
import { head, wordnet } from '../helpers/wordnet.js';

/** A few thousand rows: every query's engine scan stays fast, and there are enough rows for near-ties. */
const ROWS = 3000;
const DIM = 128;
const K = 10;
/** Rows stored twice (ids ROWS+1…): exact ties the engine may return in either order. */
const DUPLICATES = 40;

/**
 * The one-pass exact audit (a cursor over the table, top-k client-side) against the engine's own
 * exact ORDER BY with index scans off, on the same PGlite tables: the same neighbours for every
 * metric, up to the order of rows whose distances tie.
 */
describe('pgvector one-pass exact search equals the engine exact ORDER BY', { timeout: 300_000 }, () => {
  let db: PGlite;
  const queries = new Float32Array(60 * DIM);

  before(async () => {
    // Raw model-A vectors (norms 0.50–0.76): cosine, L2 and inner product rank them differently.
    const docs = head(wordnet(), ROWS);
    const data = new Float32Array((ROWS + DUPLICATES) * DIM);
    data.set(docs.data);
    for (let i = 0; i < DUPLICATES; i++) data.set(docs.data.subarray(i * 50 * DIM, (i * 50 + 1) * DIM), (ROWS + i) * DIM);
    // A failed embedding stored as zeros: NaN cosine distance, it must never rank.
    data.fill(0, 7 * DIM, 8 * DIM);
    const rows = { data, count: ROWS + DUPLICATES, dim: DIM };
    db = await PGlite.create({ extensions: { vector } });
    for (const metric of ['cosine', 'l2', 'ip'] as const) {
      await buildPgvectorStore(db, { table: `t_${metric}`, vectors: rows, index: { method: 'ivfflat', opclass: `vector_${metric}_ops`, options: { lists: 10 } } });
    }
    await buildPgvectorStore(db, { table: 't_half', type: 'halfvec', vectors: rows, index: { method: 'ivfflat', opclass: 'halfvec_cosine_ops', options: { lists: 10 } } });
    // Half the queries are stored rows (each finds itself and, for row 0, 50, …, its copy); half are real queries.
    for (let q = 0; q < 30; q++) queries.set(docs.data.subarray(q * 50 * DIM, (q * 50 + 1) * DIM), q * DIM);
    queries.set(wordnet('queries.f32.npy').data.subarray(0, 30 * DIM), 30 * DIM);
  });

  after(async () => {
    await db?.close();
  });

  for (const [table, operator] of [
    ['t_cosine', '<=>'],
    ['t_l2', '<->'],
    ['t_ip', '<#>'],
    ['t_half', '<=>'],
  ] as const) {
    test(`${table}: same neighbours, ties aside`, async () => {
      const scanned = await openPgvector(await pgliteSession(db), { table }, `pglite:${table}`, { engineExactMaxRows: 0 });
      const engine = await openPgvector(await pgliteSession(db), { table }, `pglite:${table}`, { engineExactMaxRows: Number.POSITIVE_INFINITY });
      try {
        const request = { queries, count: queries.length / DIM, k: K, exact: true };
        const fromScan = await scanned.search!.query(request);
        const fromEngine = await engine.search!.query(request);
        assert.match(fromScan.method ?? '', /one pass over public\.\w+ through a server-side cursor/);
        assert.match(fromEngine.method ?? '', /pgvector sequential scan/);
        assert.equal(fromScan.ids.length, request.count);
        let identical = 0;
        for (let q = 0; q < request.count; q++) {
          const mine = fromScan.ids[q]!.map(String);
          const theirs = fromEngine.ids[q]!.map(String);
          assert.equal(mine.length, K);
          if (operator === '<=>') assert.ok(!mine.includes('8'), 'the zero row never ranks under cosine');
          if (mine.join() === theirs.join()) {
            identical++;
            continue;
          }
          // Where the lists differ, each side's extra rows must tie (within float rounding) with the other side's k-th row.
          const distances = await distancesTo(db, table, operator, queries.subarray(q * DIM, (q + 1) * DIM), [...mine, ...theirs]);
          const kthOf = (list: readonly string[]): number => Math.max(...list.map((id) => distances.get(id)!));
          for (const [list, other] of [
            [mine, theirs],
            [theirs, mine],
          ] as const) {
            for (const id of list.filter((row) => !other.includes(row))) {
              assert.ok(distances.get(id)! <= kthOf(other) + 1e-6, `${table} query ${q}: row ${id} at ${distances.get(id)} is beyond the other list's k-th distance ${kthOf(other)}`);
            }
          }
        }
        // Ties are the exception: most lists come back identical, order included.
        assert.ok(identical >= request.count * 0.6, `${identical} of ${request.count} lists identical`);
      } finally {
        await scanned.close();
        await engine.close();
      }
    });
  }

  test('a tight --audit-budget cuts the audit, and the report says what was cut', async () => {
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
    await server.start();
    try {
      const url = `postgres://postgres@${server.getServerConn()}/postgres?table=t_cosine`;
      // A budget too small for the per-query exact scans: the audit keeps its minimum of queries and says so.
      const report = await check(url, { metric: 'cosine', dim: DIM, sample: 500, auditBudget: 0.05 });
      const finding = report.findings.find((f) => f.code === 'ann-recall');
      assert.ok(finding, 'the cut audit is reported even when recall passes');
      const evidence = finding.evidence;
      assert.equal(evidence.plannedQueries, 100);
      assert.equal(evidence.queries, 10, 'the minimum number of queries is measured');
      assert.equal(evidence.budgetSeconds, 0.05);
      const cuts = evidence.cuts as string[];
      assert.ok(
        cuts.some((cut) => /recall measured on 10 of 100 queries/.test(cut)),
        cuts.join('; '),
      );
      assert.ok(
        cuts.some((cut) => /ivfflat\.probes .* not measured|measured on \d+ of 10 queries/.test(cut)),
        cuts.join('; '),
      );
      assert.match(finding.message, /The audit budget cut/);

      // The default budget audits every query of this small store, with a narrower interval.
      const full = await check(url, { metric: 'cosine', dim: DIM, sample: 500 });
      assert.deepEqual(full.findings.find((f) => f.code === 'ann-recall')?.evidence.cuts ?? [], []);
      const width = (points: readonly { low?: number; high?: number }[] | undefined): number => (points?.[0]?.high ?? 0) - (points?.[0]?.low ?? 0);
      assert.equal(full.plots?.recallCurves?.[0]?.points.length, 3, 'the current setting and the whole sweep (probes 4 and 10)');
      assert.ok(width(report.plots?.recallCurves?.[0]?.points) > width(full.plots?.recallCurves?.[0]?.points), '10 queries give a wider interval than 100');
    } finally {
      await server.stop();
    }
  });
});

/** The engine's own distances from the query to the given rows. */
async function distancesTo(db: PGlite, table: string, operator: string, query: Float32Array, ids: readonly string[]): Promise<Map<string, number>> {
  const type = table === 't_half' ? 'halfvec' : 'vector';
  const result = await db.query<{ id: string; d: number }>(`SELECT id::text AS id, (embedding ${operator} $1::${type})::float8 AS d FROM ${table} WHERE id = ANY($2::bigint[])`, [
    formatVectorText(query, type),
    [...new Set(ids)],
  ]);
  return new Map(result.rows.map((row) => [row.id, row.d]));
}
