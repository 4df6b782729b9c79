import Database from 'libsql';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLoadablePath } from 'sqlite-vec';
import { checkSource } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { buildSqliteStore } from '../../src/engines/sqlite/build-store.js';
import { readSqliteCatalog } from '../../src/engines/sqlite/catalog.js';
import { openLibsqlClient } from '../../src/engines/sqlite/remote-session.js';
import { parseLibsqlUrl } from '../../src/engines/sqlite/remote-url.js';
import { type LibsqlDatabase, openSqliteFile } from '../../src/engines/sqlite/session.js';
import { vectorBlob } from '../../src/engines/sqlite/vector-sql.js';
import { openSource } from '../../src/sources/open-source.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { exactSearchByScan } from '../../src/sources/stores/sqlite/exact-scan.js';
import { openLibsqlSource } from '../../src/sources/stores/sqlite/libsql-connector.js';
import { closedPort, loadDocs, runCli, snapshot } from './helpers.js';

const ROWS = 1500;
const DIM = 128;
const OPTIONS = { sample: 1000 } as const;
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.secret-token-value';

function copyRows(rows: VectorRows): VectorRows {
  return { data: rows.data.slice(), count: rows.count, dim: rows.dim };
}

/** What must agree between the two paths: each finding's code, severity and evidence, and the row counts. */
function outcome(report: Report): unknown {
  return {
    findings: report.findings.map((f) => ({ code: f.code, severity: f.severity, evidence: f.evidence })),
    rows: report.stats.rows,
    dim: report.stats.dim,
    recall: report.stats.audit?.recallAt10,
  };
}

describe('libsql:// through @libsql/client: the remote code path, run on the client’s local engine (file: URL)', { timeout: 600_000 }, () => {
  let dir: string;
  let file: string;
  const local = (table: string): string => `sqlite://${file}?table=${table}`;
  const remote = (table: string) => openLibsqlSource({ clientUrl: `file:${file}`, shown: `libsql-copy?table=${table}`, table });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-libsql-'));
    file = join(dir, 'app.db');
    const unit = await loadDocs(ROWS, true);
    const raw = await loadDocs(ROWS, false);
    const db = new Database(file) as unknown as LibsqlDatabase;
    db.loadExtension(getLoadablePath());
    buildSqliteStore(db, { table: 'f32_clean', vectors: unit, layout: { kind: 'f32-blob', index: { metric: 'cosine' } } });
    // Raw vectors of a cosine model behind an L2 index.
    buildSqliteStore(db, { table: 'f32_raw_l2', vectors: raw, layout: { kind: 'f32-blob', index: { metric: 'l2' } } });
    const broken = copyRows(unit);
    for (let row = 0; row < 40; row++) broken.data.fill(0, row * 18 * DIM, (row * 18 + 1) * DIM);
    broken.data.set(raw.data.subarray((ROWS / 2) * DIM), (ROWS / 2) * DIM);
    buildSqliteStore(db, { table: 'blob_broken', vectors: broken, layout: { kind: 'blob' } });
    // Keyed by text ids: keyset pages over a TEXT primary key.
    db.exec(`CREATE TABLE docs_text (doc TEXT NOT NULL PRIMARY KEY, embedding F32_BLOB(${DIM}))`);
    const insert = db.prepare('INSERT INTO docs_text(doc, embedding) VALUES (?1, ?2)');
    for (let row = 0; row < 300; row++) insert.run([`d${(row * 7919) % 300}`, vectorBlob(unit.data.subarray(row * DIM, (row + 1) * DIM))]);
    db.exec(`CREATE VIRTUAL TABLE vec_table USING vec0(id INTEGER PRIMARY KEY, embedding float[${DIM}] distance_metric=cosine)`);
    db.close();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check gives the same findings through the client as through sqlite:// (native libsql), and writes nothing', async () => {
    const before = snapshot(dir);
    for (const table of ['f32_clean', 'f32_raw_l2', 'blob_broken']) {
      const viaFile = await openSource(local(table));
      const viaClient = await remote(table);
      try {
        const declared = { metric: 'cosine', from: 'options' } as const;
        const expected = await checkSource(viaFile, OPTIONS, declared);
        const actual = await checkSource(viaClient, OPTIONS, declared);
        assert.deepEqual(outcome(actual), outcome(expected), table);
        if (table === 'f32_clean')
          assert.deepEqual(
            actual.findings.filter((f) => f.severity !== 'info'),
            [],
            'a clean table: no warning',
          );
        if (table === 'f32_raw_l2') assert.equal(actual.findings.find((f) => f.code === 'metric-mismatch')?.severity, 'fail');
        if (table === 'blob_broken') assert.equal(actual.findings.find((f) => f.code === 'zero-vectors')?.evidence.count, 40);
      } finally {
        await viaFile.close();
        await viaClient.close();
      }
    }
    assert.deepEqual(snapshot(dir), before, 'the database file is unchanged');
  });

  test('smoke’s id lookups (the table’s own TEXT keys) answer through the client as through sqlite://', async () => {
    const viaFile = await openSource(local('docs_text'));
    const viaClient = await remote('docs_text');
    try {
      const ids = ['d1', 'd299', 'not-a-doc'];
      assert.deepEqual([...((await viaClient.knownDocumentIds?.(ids)) ?? [])].sort(), ['d1', 'd299']);
      assert.deepEqual(await viaClient.knownDocumentIds?.(ids), await viaFile.knownDocumentIds?.(ids));
      assert.deepEqual(await viaClient.documentIds?.(['d1', 'd2']), [['d1'], ['d2']]);
      const rows = [0, 5, 299];
      assert.deepEqual(await viaClient.readRows(rows), await viaFile.readRows(rows));
    } finally {
      await viaFile.close();
      await viaClient.close();
    }
  });

  test('the one-pass exact search (tables above 20k rows) pages through the client to the answers of the in-process pass', async () => {
    const client = await openLibsqlClient({ clientUrl: `file:${file}`, shown: 'test' });
    const session = await openSqliteFile(file, { shown: 'test' });
    try {
      const unit = await loadDocs(ROWS, true);
      const request = { queries: unit.data.slice(0, 10 * DIM), count: 10, k: 10, exact: true };
      const options = { metric: 'cosine', dim: DIM, totalRows: ROWS } as const;
      const viaClient = await exactSearchByScan(client, await readSqliteCatalog(client, { table: 'f32_clean' }, 'test'), options, request);
      const inProcess = await exactSearchByScan(session, await readSqliteCatalog(session, { table: 'f32_clean' }, 'test'), options, request);
      assert.deepEqual(viaClient.ids, inProcess.ids);
      assert.equal(viaClient.ids[0]?.[0], '1', 'a stored vector is its own nearest row');
    } finally {
      await client.close();
      await session.close();
    }
  });

  test('a scan pages by key in bounded pages: every row once, in key order, as the local one-statement scan', async () => {
    const client = await openLibsqlClient({ clientUrl: `file:${file}`, shown: 'test' });
    const session = await openSqliteFile(file, { shown: 'test' });
    const scan = { select: 'length(embedding) AS n', relation: 'docs_text', key: 'doc', batch: 7 };
    try {
      const keys = async (reader: typeof client | typeof session): Promise<unknown[]> => {
        const seen: unknown[] = [];
        for await (const page of reader.pages<{ n: number }>(scan)) {
          assert.ok(page.length <= 7);
          seen.push(...page.map((row) => row.k));
        }
        return seen;
      };
      const remoteKeys = await keys(client);
      assert.equal(remoteKeys.length, 300);
      assert.equal(new Set(remoteKeys).size, 300);
      assert.deepEqual(remoteKeys, await keys(session));
    } finally {
      await client.close();
      await session.close();
    }
  });

  test('the session sends only SELECTs: any other statement is refused before it leaves', async () => {
    const before = snapshot(dir);
    const session = await openLibsqlClient({ clientUrl: `file:${file}`, shown: 'test' });
    try {
      for (const sql of ['DELETE FROM f32_clean', 'WITH x AS (SELECT 1) DELETE FROM f32_clean', ' /* c */ DROP TABLE f32_clean', 'PRAGMA query_only = 0', 'INSERT INTO docs_text VALUES (1, NULL)']) {
        await assert.rejects(session.query(sql), /sends only SELECT statements/, sql);
      }
      assert.equal((await session.query<{ n: number }>('/* ok */ SELECT count(*) AS n FROM f32_clean'))[0]?.n, ROWS);
    } finally {
      await session.close();
    }
    assert.deepEqual(snapshot(dir), before);
  });

  test('a vec0 table (sqlite-vec cannot run on a server) is a clear error naming the table', async () => {
    await assert.rejects(remote('vec_table'), /vec_table is a sqlite-vec vec0 table: a libsql server cannot load sqlite-vec/);
  });

  test('URL: token from ?authToken= or $LIBSQL_AUTH_TOKEN, never in the client URL or the shown target; malformed URLs are usage errors', () => {
    const fromUrl = parseLibsqlUrl(`libsql://db-org.turso.io?table=t&authToken=${TOKEN}`, {});
    assert.equal(fromUrl.authToken, TOKEN);
    assert.equal(fromUrl.clientUrl, 'libsql://db-org.turso.io');
    assert.equal(fromUrl.shown, 'libsql://db-org.turso.io?table=t&authToken=***');
    const fromEnv = parseLibsqlUrl('libsql://db-org.turso.io:8443?table=t', { LIBSQL_AUTH_TOKEN: TOKEN });
    assert.equal(fromEnv.authToken, TOKEN);
    assert.equal(fromEnv.clientUrl, 'libsql://db-org.turso.io:8443');
    assert.throws(() => parseLibsqlUrl('libsql://db-org.turso.io/path?table=t'), /no path after the host/);
    assert.throws(
      () => parseLibsqlUrl(`libsql://me:${TOKEN}@db-org.turso.io?table=t`),
      (error: Error) => /no user name or password/.test(error.message) && !error.message.includes(TOKEN),
    );
    assert.throws(() => parseLibsqlUrl('libsql://db-org.turso.io?tabel=t'), /unknown URL parameter 'tabel'/);
  });

  test('a host that accepts the connection but never answers is a clear error after the connect timeout, not a hang', async () => {
    const server: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const started = performance.now();
      await assert.rejects(
        openLibsqlSource({ clientUrl: `http://127.0.0.1:${port}`, authToken: TOKEN, shown: 'libsql://127.0.0.1?table=t&authToken=***', server: `127.0.0.1:${port}`, table: 't', connectTimeoutMs: 300 }),
        new RegExp(`the libsql server at 127.0.0.1:${port} sent no answer within 0.3 s`),
      );
      assert.ok(performance.now() - started < 5000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a server that refuses the token (HTTP 401) is a specific error naming the server and what to check, without the token', async () => {
    const server: Server = createServer((_request, response) => {
      response.writeHead(401, { 'content-type': 'text/plain' });
      response.end('Unauthorized');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      // The plaintext http:// form is not a store URL; the library may give the client any URL it takes.
      await assert.rejects(openLibsqlSource({ clientUrl: `http://127.0.0.1:${port}`, authToken: TOKEN, shown: 'libsql://127.0.0.1?table=t&authToken=***', server: `127.0.0.1:${port}`, table: 't' }), (error: Error) => {
        assert.match(error.message, new RegExp(`the libsql server at 127.0.0.1:${port} refused the auth token`));
        assert.match(String((error as { hint?: string }).hint), /LIBSQL_AUTH_TOKEN/);
        assert.ok(!JSON.stringify({ message: error.message, hint: (error as { hint?: string }).hint }).includes(TOKEN));
        return true;
      });
    } finally {
      server.close();
    }
  });
});

describe('libsql:// from the CLI: an unreachable server is exit 2 naming the host, and the token is never printed', { timeout: 120_000 }, () => {
  let dir: string;
  let target: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-libsql-cli-'));
    target = `libsql://127.0.0.1:${await closedPort()}?table=docs&column=embedding&authToken=${TOKEN}`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const commands = (): Array<[string, string[]]> => [
    ['check', ['check', target, '--metric', 'cosine']],
    ['check --format json --out', ['check', target, '--metric', 'cosine', '--format', 'json', '--out', join(dir, 'report.json')]],
    ['check --format sarif', ['check', target, '--format', 'sarif']],
    ['rebuild', ['rebuild', target, '--out', join(dir, 'out.npy'), '--metric', 'cosine', '--index', 'flat']],
    ['guard', ['guard', 'package.json', '--out', target, '--dim', '4', '--metric', 'cosine', '--apply']],
  ];
  for (const name of ['check', 'check --format json --out', 'check --format sarif', 'rebuild', 'guard']) {
    test(`${name}: exit 2, says what to check, prints no token`, async () => {
      const [, args] = commands().find(([n]) => n === name) as [string, string[]];
      const run = await runCli(args);
      assert.equal(run.code, 2, run.stderr);
      const output = run.stdout + run.stderr;
      assert.doesNotMatch(output, /secret-token-value|eyJhbGciOiJFZERTQSJ9/);
      if (name.startsWith('check') || name === 'rebuild') {
        assert.match(run.stderr, /cannot connect to the libsql server at 127\.0\.0\.1:\d+: connection refused/);
        assert.match(run.stderr, /authToken=\*\*\*/);
      }
      const report = join(dir, 'report.json');
      if (existsSync(report)) assert.doesNotMatch(readFileSync(report, 'utf8'), /secret-token-value/);
    });
  }

  test('the token from $LIBSQL_AUTH_TOKEN is not printed either', async () => {
    const port = await closedPort();
    const previous = process.env.LIBSQL_AUTH_TOKEN;
    process.env.LIBSQL_AUTH_TOKEN = TOKEN;
    try {
      const run = await runCli(['check', `libsql://127.0.0.1:${port}?table=docs`, '--format', 'json']);
      assert.equal(run.code, 2, run.stderr);
      assert.doesNotMatch(run.stdout + run.stderr, /secret-token-value/);
      assert.match(run.stderr, /connection refused/);
    } finally {
      if (previous === undefined) delete process.env.LIBSQL_AUTH_TOKEN;
      else process.env.LIBSQL_AUTH_TOKEN = previous;
    }
  });
});
