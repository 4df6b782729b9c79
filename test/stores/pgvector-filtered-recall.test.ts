import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { head, wordnet } from '../helpers/wordnet.js';

/**
 * Real PGlite + pgvector 0.8 stores built from the shared fastText rows:
 *  - skewed: 2000 rows, HNSW at pgvector's defaults, a tenant column whose tenants hold 1%, 3%, 10%
 *    and the rest; post-filtering at ef_search 40 loses the small tenants' rows;
 *  - uniform: the same rows, 10 tenants of 10%, with iterative scans on (the clean control);
 *  - churned: HNSW built, then most rows deleted without VACUUM (pgvector#244);
 *  - steady: the same without deletions (clean control).
 */
const ROWS = 2000;
const DIM = 128;

let dir: string;

async function buildStores(path: string): Promise<void> {
  const docs = head(wordnet(), ROWS);
  const rows = { data: docs.data, count: ROWS, dim: DIM };
  // Two databases: pgvector's defaults, and one whose application turned iterative scans on for every session.
  const defaults = await PGlite.create(join(path, 'defaults'), { extensions: { vector } });
  const iterative = await PGlite.create(join(path, 'iterative'), { extensions: { vector } });
  for (const table of ['skewed', 'churned', 'steady']) await buildPgvectorStore(defaults, { table, vectors: rows });
  await buildPgvectorStore(iterative, { table: 'uniform', vectors: rows });
  // Tenant columns filled before the index is built, then VACUUM: no dead tuples, as in a store loaded with its tenants.
  await defaults.exec('ALTER TABLE skewed ADD COLUMN tenant_id int; ALTER TABLE skewed ADD COLUMN note text');
  await defaults.query(`UPDATE skewed SET tenant_id = CASE WHEN id % 100 = 0 THEN 1 WHEN id % 100 <= 3 THEN 2 WHEN id % 100 <= 13 THEN 3 ELSE 4 END, note = 'n' || id`);
  await defaults.query('VACUUM skewed');
  await iterative.exec('ALTER TABLE uniform ADD COLUMN tenant_id int');
  await iterative.query('UPDATE uniform SET tenant_id = id % 10');
  await iterative.query('VACUUM uniform');
  for (const table of ['skewed', 'churned', 'steady']) await defaults.exec(`CREATE INDEX ON ${table} USING hnsw (embedding vector_cosine_ops)`);
  await iterative.exec('CREATE INDEX ON uniform USING hnsw (embedding vector_cosine_ops)');
  await iterative.exec("ALTER SYSTEM SET hnsw.iterative_scan = 'relaxed_order'");
  // pgvector#244: most rows deleted after the index was built, no VACUUM since.
  await defaults.exec('DELETE FROM churned WHERE id > 200');
  await Promise.all([defaults.close(), iterative.close()]);
}

/** sha256 of every file under the data directory: a check must leave them byte-identical. */
function digest(root: string): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(name).update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest('hex');
}

function finding(report: Report, code: string): Finding | undefined {
  return report.findings.find((candidate) => candidate.code === code);
}

describe('filtered-recall and deleted-rows on real PGlite + pgvector stores', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-filtered-'));
    mkdirSync(join(dir, 'db'));
    await buildStores(join(dir, 'db'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const target = (table: string): string => `pglite://${join(dir, 'db', table === 'uniform' ? 'iterative' : 'defaults')}?table=${table}&column=embedding`;

  test('a 1% tenant loses its rows at the default ef_search 40; iterative scan is named as the parameter fix; an injection attempt is only a value', async () => {
    const before = digest(join(dir, 'db', 'defaults'));
    // The injection attempt comes first: the filters measured after it prove the table is intact.
    const injection = "note = 'x''; DROP TABLE skewed; --'";
    const report = await check(target('skewed'), { metric: 'cosine', sample: 200, filter: [injection, 'tenant_id = 1', 'tenant_id IN (2, 3)'] });
    assert.equal(digest(join(dir, 'db', 'defaults')), before, 'check is read-only');
    const found = finding(report, 'filtered-recall');
    assert.ok(found, 'filtered-recall raised');
    const filters = found.evidence.filters as {
      filter: string;
      recallAt10?: number;
      shortQueries?: number;
      matchingRows: number;
      skipped?: string;
      remedies: { setting: string; recallAt10: number; shortQueries: number }[];
    }[];
    assert.equal(filters[0]!.matchingRows, 0);
    assert.match(String(filters[0]!.skipped), /no row with a vector matches/);
    const small = filters.find((filter) => filter.filter === 'tenant_id = 1')!;
    assert.equal(small.matchingRows, ROWS / 100);
    assert.ok(small.shortQueries! > 0, 'short answers counted');
    assert.ok(small.recallAt10! < 0.5, `1% tenant recall ${small.recallAt10}`);
    const relaxed = small.remedies.find((remedy) => remedy.setting === 'hnsw.iterative_scan = relaxed_order')!;
    assert.ok(relaxed.recallAt10 > 0.9 && relaxed.shortQueries === 0, JSON.stringify(relaxed));
    assert.equal(found.severity, 'fail');
    assert.match(found.fix, /hnsw\.iterative_scan = relaxed_order/);
    assert.equal(finding(report, 'deleted-rows'), undefined, 'no dead tuples after VACUUM');
  });

  test('without --filter the tenant column is discovered at about 1% and 10%, and the free-text column is not used', async () => {
    const report = await check(target('skewed'), { metric: 'cosine', sample: 200 });
    const found = finding(report, 'filtered-recall');
    assert.ok(found);
    assert.equal(found.evidence.origin, 'discovered');
    assert.match(String(found.evidence.discovery), /tenant_id = 1 \(1\.0% of rows/);
    assert.match(String(found.evidence.discovery), /tenant_id = 3 \(10\.0% of rows/);
    assert.doesNotMatch(String(found.evidence.discovery), /note =/);
  });

  test('clean control: uniform tenants with iterative scan on report nothing', async () => {
    const report = await check(target('uniform'), { metric: 'cosine', sample: 200 });
    assert.equal(finding(report, 'filtered-recall'), undefined, JSON.stringify(finding(report, 'filtered-recall')?.message));
    const outcome = report.checks.find((candidate) => candidate.code === 'filtered-recall');
    assert.equal(outcome?.result, 'passed');
  });

  test('a store without a low-cardinality column: filtered-recall is not run, with why', async () => {
    const report = await check(target('steady'), { metric: 'cosine', sample: 200 });
    const outcome = report.checks.find((candidate) => candidate.code === 'filtered-recall');
    assert.equal(outcome?.result, 'not-run');
    assert.match(String(outcome?.detail), /no low-cardinality column/);
    assert.equal(finding(report, 'deleted-rows'), undefined, 'steady store: no deleted rows');
  });

  test('an unknown column or a value of the wrong type is exit 2, before the check runs', async () => {
    await assert.rejects(check(target('skewed'), { filter: ['tenantid = 1'] }), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /has no column tenantid/);
      assert.match(String(error.hint), /tenant_id/);
      return true;
    });
    await assert.rejects(check(target('skewed'), { filter: ["tenant_id = 'abc'"] }), (error: Error & { exitCode?: number }) => error.exitCode === 2);
  });

  test('dead tuples after deleting most rows: HNSW returns short lists (pgvector#244), deleted-rows names VACUUM', async () => {
    const report = await check(target('churned'), { metric: 'cosine', sample: 200 });
    const found = finding(report, 'deleted-rows');
    assert.ok(found, 'deleted-rows raised');
    assert.equal(found.evidence.deletedRows, ROWS - 200);
    const search = found.evidence.search as { shortQueries: number; queries: number };
    assert.ok(search.shortQueries > 0, JSON.stringify(search));
    assert.match(found.fix, /VACUUM/);
  });
});
