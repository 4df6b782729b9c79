import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChromaClient } from 'chromadb';
import { check } from '../../src/api/check.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';
import { closedPort, loadDocs, problems, REPO_ROOT } from './helpers.js';
import { openChroma } from '../../src/sources/stores/chroma/connector.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { smoke } from '../../src/smoke/index.js';
import { createServer, type AddressInfo, type Socket } from 'node:net';

const ROWS = 3000;
const DIM = 128;
const OPTIONS = { metric: 'cosine', dim: DIM, sample: 1000 } as const;
/** The server binary starts in a few seconds; a minute covers a loaded machine. */
const STARTUP_MS = 60_000;
/** Whatever happens to the test, the server dies after this long. */
const SERVER_LIFETIME_S = 600;

describe('Chroma collections through a local Chroma server (npx chroma run)', { timeout: 300_000 }, () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let client: ChromaClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vectorclinic-chroma-'));
    port = await closedPort();
    // coreutils timeout bounds the server's life even if this test process dies first.
    const chroma = [process.execPath, join(REPO_ROOT, 'node_modules/chromadb/dist/cli.mjs'), 'run', '--path', join(dir, 'db'), '--host', '127.0.0.1', '--port', String(port)];
    server = spawn('timeout', ['--signal=KILL', String(SERVER_LIFETIME_S), ...chroma], { stdio: 'ignore' });
    client = new ChromaClient({ host: '127.0.0.1', port });
    const started = Date.now();
    for (;;) {
      try {
        await client.heartbeat();
        break;
      } catch (error) {
        if (Date.now() - started > STARTUP_MS || server.exitCode !== null) throw new Error(`chroma server did not start on port ${port}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const load = async (name: string, space: 'cosine' | 'ip' | 'l2', vectors: VectorRows, metadata?: (row: number) => Record<string, string | number>): Promise<void> => {
      const collection = await client.createCollection({ name, configuration: { hnsw: { space } }, embeddingFunction: null as never });
      for (let start = 0; start < vectors.count; start += 1000) {
        const end = Math.min(vectors.count, start + 1000);
        const ids = Array.from({ length: end - start }, (_, i) => `doc-${start + i}`);
        const embeddings = ids.map((_, i) => Array.from(vectors.data.subarray((start + i) * DIM, (start + i + 1) * DIM)));
        await collection.add({ ids, embeddings, ...(metadata ? { metadatas: ids.map((_, i) => metadata(start + i)) } : {}) });
      }
    };
    await load('clean', 'cosine', await loadDocs(ROWS, true));
    // Raw vectors of a cosine model in an inner-product space.
    await load('raw_ip', 'ip', await loadDocs(ROWS, false));
    // Tenants of 1%, 9% and 90% in metadata, searched with where.
    await load('tenants', 'cosine', await loadDocs(ROWS, true), (row) => ({ tenant: row % 100 === 0 ? 'small' : row % 10 === 0 ? 'medium' : 'large', note: `n${row}` }));
  });

  after(() => {
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every record, the count and the configuration: what a write would change. */
  async function contents(name: string): Promise<string> {
    const collection = await client.getCollection({ name, embeddingFunction: null as never });
    const records = await collection.get({ include: ['embeddings'] as never });
    return JSON.stringify({ count: await collection.count(), configuration: collection.configuration, ids: records.ids, embeddings: records.embeddings });
  }

  test('a clean cosine collection: nothing at warn or fail, recall audited by brute force, records unchanged', async () => {
    const before = await contents('clean');
    const report = await check(`chroma://127.0.0.1:${port}/clean`, OPTIONS);
    assert.deepEqual(problems(report), {});
    assert.equal(report.kind, 'chroma');
    assert.equal(report.stats.rows, ROWS);
    assert.equal(report.checks.find((outcome) => outcome.code === 'ann-recall')?.status, 'pass', 'the audit ran');
    assert.equal(await contents('clean'), before);
  });

  test('filtered-recall with where: tenants discovered from metadata at about 1% and 10%, measured against exact filtered search; an unknown key is exit 2', async () => {
    const report = await check(`chroma://127.0.0.1:${port}/tenants`, OPTIONS);
    const outcome = report.checks.find((candidate) => candidate.code === 'filtered-recall');
    const found = report.findings.find((finding) => finding.code === 'filtered-recall');
    // Chroma filters before it searches: a small tenant keeps its rows (the clean control for where).
    assert.equal(outcome?.result, 'passed', found?.message);
    await assert.rejects(check(`chroma://127.0.0.1:${port}/tenants`, { ...OPTIONS, filter: ['tenant_id = 1'] }), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(String(error.hint), /tenant/);
      return true;
    });
    const given = await check(`chroma://127.0.0.1:${port}/tenants`, { ...OPTIONS, filter: ["tenant IN ('small', 'medium')"] });
    assert.equal(given.checks.find((candidate) => candidate.code === 'filtered-recall')?.result, 'passed');
  });

  test('raw vectors in an inner-product space for a cosine model: metric-mismatch fails', async () => {
    const report = await check(`chroma://127.0.0.1:${port}/raw_ip`, OPTIONS);
    assert.equal(problems(report)['metric-mismatch'], 'fail');
    assert.equal(report.findings.find((f) => f.code === 'metric-mismatch')?.evidence.indexMetric, 'ip');
  });

  test('smoke answers in the collection ids; questions about ids it does not hold are refused, not scored 0', async () => {
    const unit = await loadDocs(ROWS, true);
    const dir2 = mkdtempSync(join(tmpdir(), 'vectorclinic-chroma-smoke-'));
    try {
      const asked = [0, 7, 300, 901];
      const queries = join(dir2, 'q.npy');
      const vectors = new Float32Array(asked.length * DIM);
      asked.forEach((row, i) => vectors.set(unit.data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
      writeNpy(queries, vectors, asked.length, DIM);
      const own = join(dir2, 'own.jsonl');
      writeFileSync(own, asked.map((row) => JSON.stringify({ question: `document ${row}`, expected: [`doc-${row}`] })).join('\n') + '\n');
      const result = await smoke(`chroma://127.0.0.1:${port}/clean`, { questions: own, embedding: { kind: 'file', path: queries } });
      assert.deepEqual(result.ids, { expected: 4, found: 4, space: "the store's own ids" });
      assert.equal(result.recall.at1, 1, 'each document is its own nearest neighbour');
      const foreign = join(dir2, 'foreign.jsonl');
      writeFileSync(foreign, asked.map((row) => JSON.stringify({ question: `document ${row}`, expected: [String(row)] })).join('\n') + '\n');
      await assert.rejects(smoke(`chroma://127.0.0.1:${port}/clean`, { questions: foreign, embedding: { kind: 'file', path: queries } }), (error: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /only 0 of 4 distinct expected ids/);
        assert.match(error.hint ?? '', /the target returns "doc-\d+"/);
        return true;
      });
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test('a missing collection or server: exit 2 naming the store, token redacted', async () => {
    await assert.rejects(check(`chroma://127.0.0.1:${port}/nope?token=tok-secret`), (error: Error & { exitCode?: number; where?: string; hint?: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /no collection 'nope'/);
      assert.match(error.hint ?? '', /collections here: .*clean/);
      assert.equal(error.where, `chroma://127.0.0.1:${port}/nope?token=***`);
      return true;
    });
    const down = await closedPort();
    await assert.rejects(check(`chroma://127.0.0.1:${down}/clean`), /cannot reach the Chroma server/);
  });
});

test('a server that accepts connections but never answers: exit 2 within the request timeout, not a hang', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port: silentPort } = silent.address() as AddressInfo;
  try {
    const started = performance.now();
    await assert.rejects(openChroma(`chroma://127.0.0.1:${silentPort}/clean`, {}, { requestTimeoutMs: 1000 }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /accepted the connection but sent no answer within 1 s/);
      return true;
    });
    assert.ok(performance.now() - started < 10_000, 'failed at the timeout');
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
