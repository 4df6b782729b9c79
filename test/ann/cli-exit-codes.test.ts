import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { fixture, withTempDir } from './fixtures.js';

/** The real CLI in a child process: exit code, stdout, stderr. */
const cli = (...args: string[]): CliRun => runCliSync(args);

test('index files: exit 0 when clean, 1 on a fail finding, with the JSON report on stdout', () => {
  const clean = cli('check', fixture('cos-f32.usearch'), '--metric', 'cosine', '--dim', '128', '--format', 'json');
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(JSON.parse(clean.stdout).verdict, 'pass');
  const broken = cli('check', fixture('missing-batch.hnswlib'), '--metric', 'cosine', '--vectors', fixture('reference.npy'), '--format', 'json');
  assert.equal(broken.code, 1, broken.stderr);
  assert.ok(JSON.parse(broken.stdout).findings.some((finding: { code: string }) => finding.code === 'count-mismatch'));
});

test('a truncated index exits 2 with one line naming the file and byte offset, no stack trace', async () => {
  await withTempDir((dir) => {
    const path = join(dir, 'hnswlib.index');
    const bytes = readFileSync(fixture('low-m.hnswlib'));
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    const result = cli('check', path, '--metric', 'cosine');
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`^vectorclinic: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(byte \\d+\\): `));
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(result.stdout, '');
  });
});

test('--vectors that cannot be read exits 2', () => {
  const result = cli('check', fixture('cos-f32.usearch'), '--vectors', fixture('no-such-file.npy'));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no-such-file\.npy: no such file/);
});
