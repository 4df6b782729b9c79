import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeNpy } from '../../src/io/npy-writer.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { closedPort, loadDocs, REPO_ROOT } from '../stores/helpers.js';
import type { DriverResult, DriverRun } from './cli-driver.js';

/** Unescaped '@', '/', ':' and a '%' (written %25 in the URL): every character the URL parser must get right. */
const SECRET = 'Qv9@Hx/Wk%Jz:T3';
const AS_WRITTEN = SECRET.replace('%', '%25');
const ROWS = 300;
const DIM = 128;
const FORMATS = ['text', 'json', 'html', 'md', 'junit', 'sarif'];
const DRIVER = fileURLToPath(new URL('./cli-driver.ts', import.meta.url));

/** Every 4-character piece of the secret, as given and as written in the URL: none may be printed. */
function secretPieces(): string[] {
  const pieces = new Set<string>();
  for (const text of [SECRET, AS_WRITTEN, encodeURIComponent(SECRET)]) for (let i = 0; i + 4 <= text.length; i++) pieces.add(text.slice(i, i + 4));
  return [...pieces];
}

function leaks(text: string): string[] {
  return secretPieces().filter((piece) => text.includes(piece));
}

/**
 * A Postgres server that asks for the password and refuses it the way Postgres does (SQLSTATE
 * 28P01): pglite-socket accepts any password, so it cannot show the wrong-password path.
 */
function refusingServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let startup = false;
    socket.on('data', () => {
      if (!startup) {
        startup = true;
        // AuthenticationCleartextPassword: the client sends the password next.
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
        return;
      }
      const fields = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "app"\0\0');
      const header = Buffer.alloc(5);
      header.write('E', 0);
      header.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([header, fields]));
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    }),
  );
}

function runDriver(runs: readonly DriverRun[], dir: string): Promise<DriverResult[]> {
  const runsFile = join(dir, 'runs.json');
  const outFile = join(dir, 'results.json');
  writeFileSync(runsFile, JSON.stringify(runs));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, runsFile, outFile], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        assert.equal(code, 0, `driver failed: ${output}`);
        resolve(JSON.parse(readFileSync(outFile, 'utf8')) as DriverResult[]);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Text files written under `dir` (reports, manifests, id lists, quarantine): binary vectors are skipped. */
function writtenTexts(dir: string): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...writtenTexts(path));
    else if (!['.npy', '.hnsw', '.usearch', '.faiss', '.f32'].includes(extname(name)) && !['runs.json', 'results.json'].includes(name)) found.push({ path, text: readFileSync(path, 'latin1') });
  }
  return found;
}

test('no command, format or failure path prints any part of a store password', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-secrets-'));
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  const refusing = await refusingServer();
  t.after(async () => {
    await server.stop();
    await db.close();
    refusing.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const docs = await loadDocs(ROWS, true);
  await buildPgvectorStore(db, { table: 'docs', vectors: docs, index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
  await server.start();
  const live = server.getServerConn();
  const down = `127.0.0.1:${await closedPort()}`;
  const refused = `127.0.0.1:${refusing.port}`;
  const url = (table: string, host = live, password = AS_WRITTEN): string => `postgres://app:${password}@${host}/postgres?table=${table}`;

  const questions = join(dir, 'questions.jsonl');
  writeFileSync(questions, Array.from({ length: 5 }, (_, i) => JSON.stringify({ question: `q${i}`, expected: [String(i + 1)] })).join('\n'));
  const queryVectors = join(dir, 'queries.npy');
  writeNpy(queryVectors, docs.data.slice(0, 5 * DIM), 5, DIM);
  // pglite-socket serves one connection at a time: a rebuild into the server reads a file.
  const docsFile = join(dir, 'docs.npy');
  writeNpy(docsFile, docs.data, ROWS, DIM);
  const out = (name: string): string => join(dir, name);
  const quick = ['--metric', 'cosine', '--sample', '300', '--audit-budget', '3'];
  const build = ['--metric', 'cosine', '--index', 'hnsw', '--m', '8', '--ef-construction', '40'];

  /** [run, expected exit codes]: 0/1 a report, 2 a clear error. */
  const matrix: [DriverRun, number[]][] = [
    ...FORMATS.map((format): [DriverRun, number[]] => [{ args: ['check', url('docs'), ...quick, '--format', format] }, [0, 1]]),
    ...FORMATS.map((format): [DriverRun, number[]] => [{ args: ['check', url('docs'), ...quick, '--format', format, '--out', out(`report.${format}`)] }, [0, 1]]),
    ...['text', 'sarif'].flatMap((format): [DriverRun, number[]][] => [
      [{ args: ['check', url('docs', down), ...quick, '--format', format] }, [2]],
      [{ args: ['check', url('nope'), ...quick, '--format', format] }, [2]],
      [{ args: ['check', url('docs', refused), ...quick, '--format', format] }, [2]],
    ]),
    // The password as typed, '%' unescaped: a malformed %-escape.
    [{ args: ['check', url('docs', live, SECRET), ...quick] }, [2]],
    [{ args: ['check', `${url('docs')}&table=docs`, ...quick] }, [2]],
    [{ args: ['check', `${url('docs')}&port=abc`, ...quick] }, [2]],
    [{ args: ['check', `${url('docs')}&passwd=${AS_WRITTEN}`, ...quick] }, [2]],
    [{ args: ['check', `postgres://app@${down}/postgres?table=docs&password=${encodeURIComponent(SECRET)}`, ...quick] }, [2]],
    [{ args: ['check', `postgres://app@${refused}/postgres?table=docs`, ...quick], env: { PGPASSWORD: SECRET } }, [2]],
    [{ args: ['check', `postgres://app@${live}/postgres?table=docs`, ...quick, '--format', 'json'], env: { PGPASSWORD: SECRET } }, [0, 1]],
    [{ args: ['check', url('docs'), ...quick, '--format', 'md', '--verbose'] }, [0, 1]],
    // Tokens: Chroma's (server not there), libsql's (host not found), a password after '?'.
    ...['text', 'sarif'].map((format): [DriverRun, number[]] => [{ args: ['check', `chroma://${down}/docs?token=${AS_WRITTEN}`, ...quick, '--format', format] }, [2]]),
    [{ args: ['check', `libsql://db.example.invalid?authToken=${AS_WRITTEN}`, ...quick] }, [2]],
    [{ args: ['smoke', `chroma://${down}/docs?token=${AS_WRITTEN}`, '--questions', questions, '--query-vectors', queryVectors, '--format', 'json'] }, [2]],
    [{ args: ['check', `postgres://app:Qv9?Hx=Wk@${down}/postgres?table=docs`, ...quick] }, [2]],
    ...['text', 'json'].map((format): [DriverRun, number[]] => [{ args: ['guard', url('docs'), '--dim', String(DIM), '--metric', 'cosine', '--out', out(`guarded-${format}.npy`), '--format', format] }, [0, 1, 2]]),
    ...['text', 'json'].map((format): [DriverRun, number[]] => [{ args: ['rebuild', url('docs'), '--out', out('plan.hnsw'), ...build, '--format', format] }, [0]]),
    [{ args: ['rebuild', url('docs'), '--out', out('applied.hnsw'), ...build, '--apply', '--no-check', '--format', 'json'] }, [0]],
    [{ args: ['rebuild', docsFile, '--out', url('rebuilt'), ...build, '--apply', '--no-check', '--format', 'text'] }, [0]],
    [{ args: ['rebuild', docsFile, '--out', url('rebuilt', down), ...build, '--apply', '--no-check'] }, [2]],
    [{ args: ['rebuild', url('docs', refused), '--out', out('never.hnsw'), ...build, '--apply', '--format', 'json'] }, [2]],
    ...['text', 'json'].map((format): [DriverRun, number[]] => [{ args: ['smoke', url('docs'), '--questions', questions, '--query-vectors', queryVectors, '--format', format] }, [0]]),
    [{ args: ['smoke', '--compare', url('docs'), url('rebuilt'), '--questions', questions, '--query-vectors', queryVectors, '--format', 'json'] }, [0]],
    [{ args: ['smoke', url('docs', down), '--questions', questions, '--query-vectors', queryVectors] }, [2]],
    [{ args: ['smoke', url('docs', refused), '--questions', questions, '--query-vectors', queryVectors, '--format', 'json'] }, [2]],
  ];
  const results = await runDriver(
    matrix.map(([run]) => run),
    dir,
  );
  assert.equal(results.length, matrix.length);
  for (const [i, result] of results.entries()) {
    const [run, codes] = matrix[i] as [DriverRun, number[]];
    const shown = run.args.join(' ').replaceAll(AS_WRITTEN, '<pw>');
    assert.ok(codes.includes(result.code), `${shown}: exit ${result.code}, expected ${codes.join('/')}\n${result.stderr}`);
    assert.deepEqual(leaks(result.stdout), [], `${shown}: stdout shows part of the password`);
    assert.deepEqual(leaks(result.stderr), [], `${shown}: stderr shows part of the password`);
    if (result.code === 2) assert.match(result.stderr, /^vectorclinic: /, `${shown}: one clear message`);
  }
  // The wrong password is named as such, and a malformed escape as such.
  assert.match(results.find((_, i) => (matrix[i]?.[0].args[1] ?? '').includes(refused))?.stderr ?? '', /password authentication failed.*28P01/);
  for (const file of writtenTexts(dir)) assert.deepEqual(leaks(file.text), [], `${file.path} holds part of the password`);
  // The manifests rebuild wrote into the store (column comments) name the source redacted.
  const comments = await db.query<{ description: string }>('SELECT description FROM pg_description');
  assert.ok(
    comments.rows.some((row) => row.description.includes('vectorclinic')),
    'the rebuild wrote its manifest',
  );
  assert.deepEqual(leaks(comments.rows.map((row) => row.description).join('\n')), []);
});
