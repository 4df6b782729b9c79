/**
 * Error paths a new user hits in the first minutes, through the real CLI: an --out that cannot be
 * written, standard input or a pipe as the input, a reader that closes the pipe. Each ends with
 * exit 2 and one plain message, or (a closed pipe) quietly with the run's own exit code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { DIM, DOCS, loadRows, writeNpy } from './demo-stores.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-errors-'));
const docs = join(folder, 'docs.npy');
const CLI = `${process.execPath} --import tsx src/cli.ts`;

before(async () => {
  writeNpy(docs, await loadRows(DOCS, 600), 600, DIM);
});
after(() => rmSync(folder, { recursive: true, force: true }));

const run = (args: readonly string[], input?: Buffer): CliRun => runCliSync(args, { env: { ...process.env, CI: 'true' }, input });

/** One clear message: exit 2, no stack trace, no "internal error". */
function assertUsageError(result: CliRun, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /internal error|this is a bug|\n\s+at /);
}

test('--out into a missing folder, under a file, or naming a folder: exit 2 before any work, nothing written', () => {
  const missing = join(folder, 'no-such-folder', 'report.json');
  assertUsageError(run(['check', docs, '--json', '--out', missing]), /--out: cannot write into .*no-such-folder \(ENOENT\)\n\s+fix: create the directory first/);
  assert.equal(existsSync(join(folder, 'no-such-folder')), false);
  assertUsageError(run(['check', docs, '--out', join(docs, 'report.txt')]), /--out: cannot write into .*docs\.npy \((ENOTDIR|not a directory)\)/);
  const reports = join(folder, 'reports');
  mkdirSync(reports);
  assertUsageError(run(['check', docs, '--format', 'html', '--out', reports]), /--out: .*reports is a folder\n\s+fix: name the report file/);
});

test('--out writes the whole report to a file, and to a device such as /dev/null', () => {
  const out = join(folder, 'report.json');
  const written = run(['check', docs, '--json', '--out', out]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).target, docs);
  assert.equal(run(['check', docs, '--out', '/dev/null']).code, 0);
});

test('standard input as `-` or a pipe through /dev/stdin: exit 2, says it is not supported and to save to a file', () => {
  const bytes = readFileSync(docs);
  assertUsageError(run(['check', '-'], bytes), /<target>: reading from standard input is not supported.*\n\s+fix: save the stream to a file first/);
  assertUsageError(run(['check', '/dev/stdin'], bytes), /<target>: reading from \/dev\/stdin \(a pipe or device, not a file\) is not supported/);
  assertUsageError(run(['check', docs, '--queries', '-'], bytes), /--queries: reading from standard input is not supported/);
  assertUsageError(run(['guard', '-', '--out', join(folder, 'clean.npy'), '--dim', String(DIM), '--metric', 'cosine'], bytes), /<input>: reading from standard input is not supported/);
});

test('a closed pipe (`… | true`) ends quietly for every command, with the exit code the run would have had', () => {
  const commands: [string, number][] = [
    [`check ${docs}`, 0],
    [`check ${docs} --json`, 0],
    [`check ${docs} --format html`, 0],
    [`check ${docs} --metric ip --dim 64 --format md`, 1],
    ['explain ann-recall', 0],
    ['--help', 0],
    [`guard ${docs} --out ${join(folder, 'guarded.npy')} --dim ${DIM} --metric cosine`, 0],
  ];
  for (const [args, expected] of commands) {
    // `true` exits without reading: every write after it is gone fails with EPIPE.
    const shell = spawnSync('bash', ['-c', `${CLI} ${args} | true; echo "exit=\${PIPESTATUS[0]}" >&2`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.doesNotMatch(shell.stderr, /EPIPE|Unhandled|\n\s+at /, `${args}: ${shell.stderr}`);
    assert.match(shell.stderr, new RegExp(`exit=${expected}\\n$`), `${args}: ${shell.stderr}`);
  }
});

test('--version and -V print the package version (without loading every subcommand)', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = run([flag]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
  }
});
