import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lancedb from '@lancedb/lancedb';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { writeNpy } from '../../src/io/npy-writer.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import Database from 'libsql';
import { getLoadablePath } from 'sqlite-vec';
import { buildSqliteStore } from '../../src/engines/sqlite/build-store.js';
import type { LibsqlDatabase } from '../../src/engines/sqlite/session.js';
import { rowsOf, writeDuckdbFile } from '../stores/duckdb-fixtures.js';
import { closedPort } from '../stores/helpers.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

/**
 * The README's ```sh and ```ts examples, run as written against small real fixtures, so they cannot
 * drift from the code. The substitutions are mechanical and the only ones made:
 *
 * - every example runs in one directory holding the files the examples name (`embeddings.npy`,
 *   `corpus.fvecs`, `index.faiss`, `in.npy`, `queries.npy`, `questions.jsonl`, `docs.jsonl`): a
 *   1,000-document slice of ../shared/data (128-dimensional), so relative paths resolve as written
 *   and files an example writes (`clean.npy`, `docs.hnsw`, …) are what the next one reads;
 * - `768` (the examples' model dimension) becomes 128, the fixtures' dimension;
 * - `npx vectorclinic ARGS` runs the CLI from source (`node --import tsx src/cli.ts ARGS`);
 * - `postgres://USER@HOST/DB?…` points at a PGlite database served over the Postgres wire protocol
 *   (tables `docs`, `docs_v2` and `items`); `lancedb://./data/lancedb/docs` is used as written (the table is
 *   created there); `chroma://localhost:8000/…` points at a port nobody listens on, so that line
 *   proves the command is accepted and fails cleanly (exit 2, naming the server): no Chroma server
 *   is started here (test/stores/chroma.test.ts runs one); `sqlite://./app.db` is a file created there
 *   (a cosine vec0 table `docs`);
 *   `duckdb://./app.duckdb?table=docs` and
 *   `lake/*.parquet` are used as written (a DuckDB file and two Parquet files written there by DuckDB);
 * - `import … from 'vectorclinic'` imports src/index.ts; a `console.log(…); // text` line must print text;
 * - `npm …` and `git …` lines are installation and the project's own scripts (install, the demo, the test
 *   suite itself; test/package/install-tarball.test.ts installs the package): not run.
 */
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const INDEX = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;
const FAISS_FIXTURE = fileURLToPath(new URL('../fixtures/faiss/flat_ip_unit.faiss', import.meta.url));
const DOCS = 600;
const QUESTIONS = 60;
/** Rows of each pgvector table (`docs` checked, `items` rebuilt in place): PGlite runs Postgres in WASM, in this process. */
const ITEMS = 300;
const MODEL_DIM = '768';

interface Block {
  readonly lang: 'sh' | 'ts';
  readonly body: string;
  readonly line: number;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const pattern = /^```(sh|ts)\n([\s\S]*?)^```$/gm;
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) {
    blocks.push({ lang: match[1] as 'sh' | 'ts', body: match[2] as string, line: markdown.slice(0, match.index).split('\n').length });
  }
  return blocks;
}

/** Shell words of one command line: single and double quotes, `# comment` outside quotes dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      assert.ok(end > i, `unterminated quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '#' && word === undefined) {
      break;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // tsx resolved from here: the examples run in the fixture directory, which has no node_modules.
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit codes each command may end with on these fixtures (README "Exit codes"; guard exits 1 when it rejected rows). */
const ALLOWED: Readonly<Record<string, readonly number[]>> = { check: [0, 1], guard: [0, 1], rebuild: [0], smoke: [0], explain: [0] };

async function writeFixtures(dir: string): Promise<void> {
  const questionLines = readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8').split('\n').filter(Boolean).slice(0, QUESTIONS);
  const docLines = readFileSync(`${DATA_DIR}docs.jsonl`, 'utf8').split('\n').filter(Boolean);
  const rowOf = new Map(docLines.map((line, row) => [(JSON.parse(line) as { id: string }).id, row]));
  // The documents answering the questions, then others up to DOCS, in corpus order.
  const answers = new Set(questionLines.map((line) => rowOf.get((JSON.parse(line) as { expected: string[] }).expected[0] as string) as number));
  const rows = [...answers];
  for (let row = 0; rows.length < DOCS; row++) if (!answers.has(row)) rows.push(row);
  rows.sort((a, b) => a - b);
  const all = await loadRows('docs.f32.npy', 20_000);
  const data = new Float32Array(DOCS * DIM);
  rows.forEach((row, i) => data.set(all.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  writeNpy(join(dir, 'embeddings.npy'), data, DOCS, DIM);
  writeFileSync(join(dir, 'docs.jsonl'), rows.map((row) => docLines[row]).join('\n') + '\n');
  writeFileSync(join(dir, 'questions.jsonl'), questionLines.join('\n') + '\n');
  writeNpy(join(dir, 'queries.npy'), await loadRows('queries.f32.npy', QUESTIONS), QUESTIONS, DIM);
  // in.npy: what an ingestion produced, with two failed (zero) embeddings and one NaN among rows nobody asks about.
  const broken = data.slice();
  const victims = rows
    .map((row, i) => (answers.has(row) ? -1 : i))
    .filter((i) => i >= 0)
    .slice(0, 3);
  broken.fill(0, (victims[0] as number) * DIM, ((victims[0] as number) + 1) * DIM);
  broken.fill(0, (victims[1] as number) * DIM, ((victims[1] as number) + 1) * DIM);
  broken[(victims[2] as number) * DIM] = Number.NaN;
  writeNpy(join(dir, 'in.npy'), broken, DOCS, DIM);
  // corpus.fvecs: the same rows in the TEXMEX layout (per row an int32 dimension, then the values).
  const fvecs = Buffer.alloc(DOCS * (4 + DIM * 4));
  for (let r = 0; r < DOCS; r++) {
    fvecs.writeInt32LE(DIM, r * (4 + DIM * 4));
    for (let j = 0; j < DIM; j++) fvecs.writeFloatLE(data[r * DIM + j] as number, r * (4 + DIM * 4) + 4 + j * 4);
  }
  writeFileSync(join(dir, 'corpus.fvecs'), fvecs);
  copyFileSync(FAISS_FIXTURE, join(dir, 'index.faiss'));
  // lancedb://./data/lancedb/docs as the README writes it.
  mkdirSync(join(dir, 'data', 'lancedb'), { recursive: true });
  const lance = await lancedb.connect(join(dir, 'data', 'lancedb'));
  const table = await lance.createTable(
    'docs',
    rows.map((row, i) => ({ id: (JSON.parse(docLines[row] as string) as { id: string }).id, vector: Array.from(data.subarray(i * DIM, (i + 1) * DIM)) })),
  );
  table.close();
  lance.close();
  // duckdb://./app.duckdb?table=docs and lake/*.parquet as the README writes them, built by the real engine.
  mkdirSync(join(dir, 'lake'));
  await writeDuckdbFile(join(dir, 'app.duckdb'), rowsOf(data, DIM), [
    `CREATE TABLE docs AS SELECT id, CAST(embedding AS FLOAT[${DIM}]) AS embedding FROM source ORDER BY id`,
    `COPY (SELECT * FROM docs WHERE id <= ${DOCS / 2} ORDER BY id) TO '${join(dir, 'lake', 'part-1.parquet')}' (FORMAT parquet)`,
    `COPY (SELECT * FROM docs WHERE id > ${DOCS / 2} ORDER BY id) TO '${join(dir, 'lake', 'part-2.parquet')}' (FORMAT parquet)`,
    'DROP TABLE source',
  ]);
}

test('README: every sh and ts example runs as written (mechanical substitutions in the header above)', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeFixtures(dir);
  const unit = { data: await loadRows('docs.f32.npy', ITEMS, { normalize: true }), count: ITEMS, dim: DIM };
  const raw = { data: await loadRows('docs.f32.npy', ITEMS), count: ITEMS, dim: DIM };
  const db = await PGlite.create({ extensions: { vector } });
  await buildPgvectorStore(db, { table: 'docs', vectors: unit, index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
  await buildPgvectorStore(db, { table: 'items', vectors: raw });
  // The diff example's "after" snapshot: the same documents re-embedded by the same model (no drift).
  await buildPgvectorStore(db, { table: 'docs_v2', vectors: unit, index: { method: 'hnsw', opclass: 'vector_cosine_ops' } });
  // rebuild in place reads, checks and writes the table over more than one connection.
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  t.after(async () => {
    await server.stop();
    await db.close();
  });
  const sqlite = new Database(join(dir, 'app.db')) as unknown as LibsqlDatabase;
  sqlite.loadExtension(getLoadablePath());
  buildSqliteStore(sqlite, { table: 'docs', vectors: unit, layout: { kind: 'vec0', metric: 'cosine' } });
  sqlite.close();
  const postgres = `postgres://postgres@${server.getServerConn()}/postgres?`;
  const chroma = `chroma://127.0.0.1:${await closedPort()}/`;

  const blocks = fencedBlocks(readFileSync(README, 'utf8'));
  assert.ok(blocks.some((block) => block.lang === 'ts') && blocks.filter((block) => block.lang === 'sh').length >= 2, 'the README still has its examples');
  const commands: { line: string; args: string[] }[] = [];
  for (const block of blocks) {
    const body = block.body.replaceAll(MODEL_DIM, String(DIM));
    if (block.lang === 'ts') {
      const file = join(dir, `example-${block.line}.mts`);
      writeFileSync(file, body.replaceAll(/from 'vectorclinic'/g, `from ${JSON.stringify(INDEX)}`));
      const result = await run([file], dir);
      assert.equal(result.code, 0, `README line ${block.line}: the ts example failed:\n${result.stderr}`);
      for (const [, expected] of body.matchAll(/console\.log\(.*\);[ \t]*\/\/ (.+)$/gm)) assert.ok(result.stdout.includes(expected as string), `README line ${block.line}: expected "${expected}" in\n${result.stdout}`);
      continue;
    }
    for (const line of body.split('\n')) {
      const words = shellWords(line);
      if (words.length === 0 || words[0] === 'npm' || words[0] === 'git') continue;
      assert.deepEqual(words.slice(0, 2), ['npx', 'vectorclinic'], `README line ${block.line}: an example that is not a vectorclinic command: ${line}`);
      commands.push({ line: line.trim(), args: words.slice(2).map((word) => word.replace(/^postgres:\/\/[^/]+\/[^?]+\?/, postgres).replace(/^chroma:\/\/localhost:8000\//, chroma)) });
    }
  }
  assert.ok(commands.length >= 10, `found ${commands.length} commands`);

  const verify = (command: (typeof commands)[number], result: Run): void => {
    const { line, args } = command;
    if (args.some((arg) => arg.startsWith('chroma://'))) {
      assert.equal(result.code, 2, `${line}\n${result.stderr}`);
      assert.match(result.stderr, /chroma|127\.0\.0\.1/i, 'names the server it could not reach');
      return;
    }
    const allowed = ALLOWED[args[0] as string] ?? [0];
    assert.ok(allowed.includes(result.code as number), `README: \`${line}\` exited ${result.code} (allowed ${allowed.join(', ')}):\n${result.stderr}${result.stdout.slice(0, 2000)}`);
    assert.ok(result.stdout.length > 0, `${line}: printed nothing (exit ${result.code}):\n${result.stderr}`);
    if (args[0] === 'smoke') assert.match(result.stdout, /@10 0\.[1-9]\d* \[/, `${line}: the rebuilt index answers the questions:\n${result.stdout}`);
  };
  const timed = async (command: (typeof commands)[number]): Promise<void> => {
    const started = performance.now();
    const result = await run([CLI, ...command.args], dir);
    if (process.env.VC_README_TIMES) process.stderr.write(`${Math.round(performance.now() - started)} ms  ${command.line}\n`);
    verify(command, result);
  };
  // check and explain only read the fixtures: they run beside the commands that write (guard → rebuild → smoke), which keep README order.
  const readOnly = commands.filter((command) => command.args[0] === 'check' || command.args[0] === 'explain');
  const ordered = commands.filter((command) => !readOnly.includes(command));
  const pool = async (): Promise<void> => {
    for (let next = readOnly.shift(); next; next = readOnly.shift()) await timed(next);
  };
  const chain = async (): Promise<void> => {
    for (const command of ordered) await timed(command);
  };
  await Promise.all([chain(), pool(), pool()]);
});
