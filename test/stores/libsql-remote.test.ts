import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './helpers.js';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.secret-token-value';
const URL = `libsql://db-org.example.turso.io?table=docs&column=embedding&authToken=${TOKEN}`;

describe('libsql:// (a remote libsql server): a clear exit 2 and never the auth token', { timeout: 120_000 }, () => {
  for (const [command, args] of [
    ['check', ['check', URL, '--metric', 'cosine']],
    ['check --format json', ['check', URL, '--metric', 'cosine', '--format', 'json']],
    ['rebuild', ['rebuild', URL, '--out', URL, '--metric', 'cosine', '--index', 'flat']],
    ['guard', ['guard', 'package.json', '--out', URL, '--dim', '4', '--metric', 'cosine', '--apply']],
  ] as const) {
    test(`${command}: names the scheme, says what to do, prints no token`, async () => {
      const run = await runCli(args);
      assert.equal(run.code, 2, run.stderr);
      const output = run.stdout + run.stderr;
      assert.doesNotMatch(output, /secret-token-value|eyJhbGciOiJFZERTQSJ9/);
      if (command.startsWith('check')) assert.match(run.stderr, /libsql:\/\/ \(a remote libsql server \/ Turso\) is not supported yet/);
      assert.match(run.stderr, /libsql:\/\/|--out/);
    });
  }
});
