#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (TypeScript via tsx).
// Node 20's --test cannot glob .ts files itself, so the list is built here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = ['src', 'test']
  .flatMap((dir) => collect(join(root, dir), []))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Node runs availableParallelism() - 1 test files at once: one at a time on a 2-core CI machine,
// where many files wait on I/O (an embedded database starting, npm installing the packed tarball).
// One file per core keeps both busy; VECTORCLINIC_TEST_CONCURRENCY overrides it.
const concurrency = Number(process.env.VECTORCLINIC_TEST_CONCURRENCY) || Math.max(2, availableParallelism());
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  // LanceDB's index builder logs a warning per empty partition of the deliberately small test tables.
  // VECTORCLINIC_CHECK_CONTRACTS=strict holds every check to its meta (declared artifacts and evidence keys).
  env: { ...process.env, NO_COLOR: '1', LANCEDB_LOG: process.env.LANCEDB_LOG ?? 'error', VECTORCLINIC_CHECK_CONTRACTS: 'strict' },
});
process.exit(result.status ?? 1);
