import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { rebuild } from '../../src/rebuild/index.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { loadDocs, runCli } from '../stores/helpers.js';

const ROWS = 200;
const DIM = 128;
const DOTTED_ROWS = 150;

type Failure = Error & { exitCode?: number; hint?: string; where?: string };

test('store URLs over the Postgres wire: dotted schema names, named bad values, write-permission hints', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-store-urls-'));
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await server.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const docs = await loadDocs(ROWS, true);
  await buildPgvectorStore(db, { table: 'items', vectors: docs });
  // Rows in a schema whose name holds a dot, and a decoy table named like its second half (row counts tell them apart).
  await db.exec(`CREATE SCHEMA "my.schema"; CREATE TABLE "my.schema".items AS SELECT * FROM items LIMIT ${DOTTED_ROWS}; CREATE SCHEMA schema; CREATE TABLE schema.items AS SELECT * FROM items LIMIT 10;`);
  await db.exec('CREATE ROLE reader NOLOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;');
  await server.start();
  const base = `postgres://app:pw@${server.getServerConn()}/postgres`;

  // A schema with a dot: quoted in ?table=, or given by ?schema=.
  for (const query of ['?table="my.schema".items', '?schema=my.schema&table=items', `?table=${encodeURIComponent('"my.schema".items')}`]) {
    const report = await check(`${base}${query}`, { metric: 'cosine', sample: 200 });
    assert.equal(report.stats.rows, DOTTED_ROWS, query);
  }
  // Unquoted, the dot splits schema from table: `schema`.`items` (10 rows), never "my.schema".
  assert.equal((await check(`${base}?table=schema.items`, { metric: 'cosine', sample: 200 })).stats.rows, 10);
  await assert.rejects(check(`${base}?table=my.schema.items`), (error: Failure) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /3 dot-separated parts/);
    assert.match(error.hint ?? '', /"my\.schema"\.items/);
    return true;
  });
  await assert.rejects(check(`${base}?schema=my.schema&table=x.items`), /schema is given twice/);

  // The bad value named where it was given; repeated parameters refused; malformed escapes exit 2 (not 3).
  const cases: [string, RegExp][] = [
    [`${base}?table=items&port=abc`, /invalid port 'abc' in \?port=/],
    [`${base}?table=items&table=other`, /URL parameter 'table' given twice/],
    [`${base}?table=items&column=a%zz`, /value of URL parameter 'column' has a malformed %-escape/],
    [`postgres://app:100%@${server.getServerConn()}/postgres?table=items`, /password in the URL has a malformed %-escape/],
  ];
  for (const [target, message] of cases) {
    const cli = await runCli(['check', target, '--metric', 'cosine']);
    assert.equal(cli.code, 2, `${target}: ${cli.stderr}`);
    assert.match(cli.stderr, message);
    assert.equal(cli.stderr.split('\n').filter(Boolean).length, 2, 'one message and one fix');
  }

  // A SELECT-only role: check is told to GRANT SELECT, a rebuild that writes is not.
  const source = join(dir, 'docs.npy');
  writeNpy(source, docs.data, ROWS, DIM);
  await db.query('SET ROLE reader');
  try {
    const report = await check(`${base}?table=items`, { metric: 'cosine', sample: 200 });
    assert.equal(report.stats.rows, ROWS);
    await assert.rejects(rebuild({ source, out: `${base}?table=rebuilt`, metric: 'cosine', index: 'hnsw', apply: true, checkBeforeAfter: false }), (error: Failure) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /permission denied/);
      assert.doesNotMatch(error.hint ?? '', /GRANT SELECT|only reads/);
      assert.match(error.hint ?? '', /rebuild writes/);
      return true;
    });
  } finally {
    await db.query('RESET ROLE');
  }
});
