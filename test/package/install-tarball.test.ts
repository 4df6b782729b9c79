import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { buildPgvectorStore } from '../../src/sources/stores/pgvector/build-store.js';
import { writeNpy } from '../helpers/npy.js';
import { assertReportSchema } from '../helpers/report-schema.js';

/**
 * What a new user does outside the clone: pack the package (its `prepare` builds it), install the
 * tarball into an empty project from the npm registry WITHOUT the optional store drivers, check an
 * .npy and a FAISS file through `npx vectorclinic` and `import { check } from 'vectorclinic'`,
 * get "install X" for a store target, install that driver, check the store.
 */
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
/** The bound for a file/index-only install (it was 361 MB with the drivers as hard dependencies). */
const MAX_INSTALL_MB = 150;
/** What `npm pack` needs to build from source, as a git install has it. */
const PACKED_FROM = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'scripts', 'src', 'docs', 'schema'];

let work: string;
let project: string;
let registryReason: string | undefined;

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

function megabytes(dir: string): number {
  const kilobytes = Number(ok(run('du', ['-sk', dir], dir), 'du').split('\t')[0]);
  return kilobytes / 1024;
}

before(async () => {
  const ping = run('npm', ['ping'], REPO_ROOT, 30_000);
  if (ping.status !== 0) {
    registryReason = `the npm registry is unreachable from here (npm ping: ${(ping.stderr || ping.error?.message || '').trim().split('\n').pop()})`;
    return;
  }
  work = mkdtempSync(join(tmpdir(), 'vectorclinic-package-'));
  const source = join(work, 'source');
  mkdirSync(source);
  for (const entry of PACKED_FROM.filter((name) => existsSync(join(REPO_ROOT, name)))) cpSync(join(REPO_ROOT, entry), join(source, entry), { recursive: true, filter: (path) => !path.endsWith('.test.ts') });
  // The dev clone's install (what `prepare` builds with on a git install).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'));
  ok(run('npm', ['pack', '--pack-destination', work], source), 'npm pack');

  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', private: true, type: 'module' }));
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  ok(run('npm', ['install', join(work, tarball)], project), 'npm install of the tarball');

  const rng = new Rng(7);
  const data = new Float32Array(1000 * 24).map(() => rng.nextGaussian());
  writeNpy(join(project, 'vectors.npy'), data, 1000, 24);
  cpSync(join(REPO_ROOT, 'test/fixtures/faiss/hnsw_ip_unit.faiss'), join(project, 'index.faiss'));
  const db = await PGlite.create({ dataDir: join(project, 'pgdata'), extensions: { vector } });
  await buildPgvectorStore(db, { table: 'docs', vectors: { data, count: 1000, dim: 24 } });
  await db.close();
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the packed tarball installs into an empty project without the store drivers, and checks files', { timeout: 900_000 }, (t) => {
  if (registryReason) return t.skip(registryReason);
  const installed = megabytes(join(project, 'node_modules'));
  t.diagnostic(`file/index-only install: ${installed.toFixed(1)} MB of node_modules (bound ${MAX_INSTALL_MB} MB)`);
  assert.ok(installed < MAX_INSTALL_MB, `node_modules is ${installed.toFixed(1)} MB`);
  for (const driver of ['chromadb', '@lancedb/lancedb', '@electric-sql/pglite', 'pg']) {
    assert.throws(() => readFileSync(join(project, 'node_modules', driver, 'package.json')), `${driver} was installed without being asked for`);
  }

  const npy = run('npx', ['--no', 'vectorclinic', 'check', 'vectors.npy', '--metric', 'l2', '--format', 'json'], project);
  assert.ok(npy.status === 0 || npy.status === 1, npy.stderr);
  assert.equal(JSON.parse(npy.stdout).stats.rows, 1000);
  assertReportSchema(npy.stdout, 'installed .npy check');
  // The published schema ships in the package, importable by its subpath.
  const shipped =
    "import { createRequire } from 'node:module'; const path = createRequire(import.meta.url).resolve('vectorclinic/schema/report.schema.json'); console.log(JSON.parse((await import('node:fs')).readFileSync(path, 'utf8')).title);";
  assert.equal(ok(run(process.execPath, ['--input-type=module', '-e', shipped], project), 'resolve the shipped schema').trim(), 'vectorclinic report (schema 1)');

  const faiss = run('npx', ['--no', 'vectorclinic', 'check', 'index.faiss', '--format', 'json'], project);
  assert.ok(faiss.status === 0 || faiss.status === 1, faiss.stderr);
  assert.equal(JSON.parse(faiss.stdout).kind, 'faiss');

  const script = "import { check } from 'vectorclinic'; const report = await check('vectors.npy', { metric: 'l2' }); console.log(report.stats.rows);";
  assert.equal(ok(run(process.execPath, ['--input-type=module', '-e', script], project), 'import from vectorclinic').trim(), '1000');
});

test('a store target without its driver: exit 2 naming the package; installed, the store is checked', { timeout: 600_000 }, (t) => {
  if (registryReason) return t.skip(registryReason);
  mkdirSync(join(project, 'lance'), { recursive: true });
  const lance = run('npx', ['--no', 'vectorclinic', 'check', 'lancedb://./lance/docs'], project);
  assert.equal(lance.status, 2, lance.stderr);
  assert.match(lance.stderr, /needs the npm package @lancedb\/lancedb[\s\S]*npm install '@lancedb\/lancedb@/);

  const target = 'pglite://./pgdata?table=docs';
  const missing = run('npx', ['--no', 'vectorclinic', 'check', target], project);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /needs the npm packages @electric-sql\/pglite and @electric-sql\/pglite-pgvector/);
  assert.doesNotMatch(missing.stderr, /internal error|at .*\.js:\d+/);

  // The pinned versions the message names, exactly as a user would paste them.
  const command = /fix: (npm install .*)/.exec(missing.stderr)?.[1];
  assert.ok(command, missing.stderr);
  const specs = [...command.matchAll(/'([^']+)'/g)].map((match) => match[1] as string);
  assert.deepEqual(specs, ['@electric-sql/pglite@0.5.14', '@electric-sql/pglite-pgvector@0.0.15']);
  ok(run('npm', ['install', ...specs], project), 'npm install of the PGlite driver');

  const checked = run('npx', ['--no', 'vectorclinic', 'check', target, '--metric', 'l2', '--format', 'json'], project);
  assert.ok(checked.status === 0 || checked.status === 1, checked.stderr);
  const report = JSON.parse(checked.stdout);
  assert.equal(report.kind, 'pglite');
  assert.equal(report.stats.rows, 1000);
  assertReportSchema(report, 'installed pglite check');
});
