/**
 * CI ergonomics as a pipeline runs them (real processes): several formats from one run, -o by
 * extension, several targets with one summary and one exit code, smoke in md / junit / json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planOutputs } from '../../src/cli/outputs.js';
import { REPORT_FORMATS } from '../../src/reporters/index.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { assertReportSchema } from '../helpers/report-schema.js';
import { DATA_DIR, DIM as SHARED_DIM, loadRows as loadShared } from '../rebuild/shared-data.js';
import { DIM, DOCS, loadRows, writeNpy } from '../reports/demo-stores.js';

const JUNIT_XSD = new URL('../schemas/junit-10.xsd', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-ci-outputs-'));
/** Raw model-A rows declared cosine: one warning, exit 0 under the default gate. */
const warnOnly = join(folder, 'raw.npy');
/** A FAISS-written flat index holding zero and NaN rows: fails. */
const failing = new URL('../fixtures/faiss/flat_nan_zero.faiss', import.meta.url).pathname;

before(async () => {
  writeNpy(warnOnly, await loadRows(DOCS, 1000), 1000, DIM);
});
after(() => rmSync(folder, { recursive: true, force: true }));

const run = (args: readonly string[]): CliRun => runCliSync(args, { env: { ...process.env, CI: 'true' } });

function validJunit(file: string): void {
  const result = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
  assert.ok(!result.error, `xmllint is needed (apt-get install libxml2-utils): ${result.error?.message}`);
  assert.equal(result.status, 0, result.stderr);
}

test('planning: -o names its format by extension, one -o keeps --format, impossible combinations are usage errors', () => {
  const plan = (formats: string[], outs: string[], targets = ['a.npy'], outDir?: string) => planOutputs({ formats, outs, ...(outDir ? { outDir } : {}) }, targets, REPORT_FORMATS);
  assert.deepEqual(plan([], []), [[{ format: 'text' }]]);
  assert.deepEqual(plan([], ['r.html', 'r.json', 'r.sarif.json', 'r.xml', 'r.md']), [
    [
      { format: 'html', path: 'r.html' },
      { format: 'json', path: 'r.json' },
      { format: 'sarif', path: 'r.sarif.json' },
      { format: 'junit', path: 'r.xml' },
      { format: 'md', path: 'r.md' },
    ],
  ]);
  // As before: one --format and one --out write that format whatever the name.
  assert.deepEqual(plan(['json'], ['report.txt']), [[{ format: 'json', path: 'report.txt' }]]);
  assert.deepEqual(plan(['json', 'html'], [], ['shards/a.npy', 'b/a.npy', 'pglite://./db?table=t'], 'out'), [
    [
      { format: 'json', path: 'out/a.npy.json' },
      { format: 'html', path: 'out/a.npy.html' },
    ],
    [
      { format: 'json', path: 'out/a.npy-2.json' },
      { format: 'html', path: 'out/a.npy-2.html' },
    ],
    [
      { format: 'json', path: 'out/db.json' },
      { format: 'html', path: 'out/db.html' },
    ],
  ]);
  const usage = (fn: () => unknown, message: RegExp) => assert.throws(fn, (error: Error & { exitCode?: number }) => error.exitCode === 2 && message.test(error.message));
  usage(() => plan(['json', 'html'], []), /2 formats and one stdout/);
  usage(() => plan([], ['a.json', 'b.data']), /cannot tell the format of 'b\.data'/);
  usage(() => plan(['sarif'], ['a.json', 'b.html']), /--format sarif has no -o file/);
  usage(() => plan(['json'], [], ['a.npy', 'b.npy']), /2 targets give 2 json reports/);
  usage(() => plan([], ['r.json'], ['a.npy', 'b.npy']), /2 targets and --out/);
  usage(() => plan(['yaml'], []), /unknown report format 'yaml'/);
});

test('several formats from one run: -o by extension, each file written whole, a "wrote" line each', () => {
  const files = ['r.json', 'r.html', 'r.md', 'r.xml', 'r.sarif'].map((name) => join(folder, name));
  const result = run(['check', warnOnly, '--metric', 'cosine', ...files.flatMap((file) => ['-o', file])]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  for (const file of files) assert.match(result.stderr, new RegExp(`^vectorclinic: wrote ${file}$`, 'm'));
  const report = JSON.parse(readFileSync(files[0] as string, 'utf8'));
  assertReportSchema(report);
  assert.deepEqual(
    report.findings.map((finding: { code: string }) => finding.code),
    ['metric-mismatch'],
  );
  assert.match(readFileSync(files[1] as string, 'utf8'), /^<!doctype html>/);
  assert.match(readFileSync(files[2] as string, 'utf8'), /^## .*vectorclinic: WARN/);
  validJunit(files[3] as string);
  assert.equal(JSON.parse(readFileSync(files[4] as string, 'utf8')).version, '2.1.0');
  assert.deepEqual(
    readdirSync(folder).filter((name) => name.endsWith('.tmp')),
    [],
  );
});

test('several targets: one report per target and format in --out-dir, a summary, one exit code', () => {
  const dir = join(folder, 'reports');
  const missing = join(folder, 'missing.npy');
  const result = run(['check', warnOnly, failing, missing, '--metric', 'cosine', '-f', 'json', '-f', 'junit', '--out-dir', dir]);
  // A target that could not be read outranks a failed one: its verdict is unknown.
  assert.equal(result.code, 2, result.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['flat_nan_zero.faiss.json', 'flat_nan_zero.faiss.xml', 'raw.npy.json', 'raw.npy.xml']);
  assert.equal(JSON.parse(readFileSync(join(dir, 'raw.npy.json'), 'utf8')).verdict, 'warn');
  assert.equal(JSON.parse(readFileSync(join(dir, 'flat_nan_zero.faiss.json'), 'utf8')).verdict, 'fail');
  validJunit(join(dir, 'flat_nan_zero.faiss.xml'));
  for (const name of ['raw.npy.json', 'flat_nan_zero.faiss.json']) assertReportSchema(readFileSync(join(dir, name), 'utf8'), name);
  assert.match(result.stderr, /missing\.npy: no such file/);
  assert.match(result.stderr, /^3 targets: 1 fail, 1 warn, 0 pass, 1 not checked \(exit 2\)$/m);
  assert.match(result.stderr, /^ {2}FAIL {3}\S*flat_nan_zero\.faiss {2}\d+ fail, \d+ warn$/m);

  const text = run(['check', warnOnly, failing, '--metric', 'cosine', '--quiet']);
  assert.equal(text.code, 1);
  assert.equal(text.stdout.match(/^vectorclinic check /gm)?.length, 2, 'both reports on stdout');
  assert.match(text.stdout, /\n2 targets: 1 fail, 1 warn, 0 pass, 0 not checked \(exit 1\)\n {2}WARN /);
  assert.equal(text.stderr, '');
});

test('a quoted glob stays one sharded target (one report, its files as segments); the expanded files are several', async () => {
  const shards = join(folder, 'shards');
  mkdirSync(shards);
  const rows = await loadRows(DOCS, 600);
  writeNpy(join(shards, 'part-1.npy'), rows.subarray(0, 300 * DIM), 300, DIM);
  writeNpy(join(shards, 'part-2.npy'), rows.subarray(300 * DIM), 300, DIM);
  const one = run(['check', join(shards, '*.npy'), '--json', '--no-config']);
  assert.equal(one.code, 0, one.stderr);
  const report = JSON.parse(one.stdout);
  assert.equal(report.stats.rows, 600);
  assertReportSchema(report);
  const several = run(['check', join(shards, 'part-1.npy'), join(shards, 'part-2.npy'), '-q', '--no-config']);
  assert.equal(several.code, 0, several.stderr);
  assert.match(several.stdout, /\n2 targets: 0 fail, 0 warn, 2 pass, 0 not checked \(exit 0\)\n/);
});

test("one target keeps today's behaviour: an unreadable target is exit 2 with no summary", () => {
  const result = run(['check', join(folder, 'missing.npy')]);
  assert.equal(result.code, 2);
  assert.doesNotMatch(result.stderr, /targets:/);
  assert.ok(!existsSync(join(folder, 'missing.npy')));
});

test('smoke --format md | junit | json, and -o naming the format', async () => {
  const questions = join(folder, 'q.jsonl');
  const lines = readFileSync(`${DATA_DIR}queries.jsonl`, 'utf8').split('\n').filter(Boolean).slice(0, 20);
  writeFileSync(questions, `${lines.join('\n')}\n`);
  const queries = join(folder, 'q.npy');
  writeNpy(queries, await loadShared('queries.f32.npy', 20), 20, SHARED_DIM);
  const smoke = (...args: string[]) => run(['smoke', `${DATA_DIR}docs.f32.npy`, '--questions', questions, '--query-vectors', queries, '--ids', `${DATA_DIR}docs.jsonl`, '--all', ...args]);

  const json = smoke('-f', 'json');
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { recall: { at10: number }; questions: number };
  assert.equal(result.questions, 20);

  const markdown = smoke('--format', 'md');
  assert.equal(markdown.code, 0, markdown.stderr);
  assert.match(markdown.stdout, /^## ✅ vectorclinic smoke: recall@10 /);
  assert.equal(markdown.stdout.match(/^\| (hit @\d+|miss) \|/gm)?.length, 20);

  // The gate the exit code applies is the one JUnit fails: above the measured recall, both fail.
  const junit = join(folder, 'smoke.xml');
  const gated = smoke('-o', junit, '--min-recall', String(Math.min(1, result.recall.at10 + 0.05)));
  assert.equal(gated.code, 1);
  assert.match(gated.stderr, new RegExp(`wrote ${junit}`));
  validJunit(junit);
  const xml = readFileSync(junit, 'utf8');
  assert.equal(xml.match(/<failure /g)?.length, 1);
  assert.equal(xml.match(/<testcase /g)?.length, 21);

  // A config's search settings for this target apply when --search is not given: an exact file has none to take.
  const config = join(folder, 'smoke.config.json');
  writeFileSync(config, JSON.stringify({ targets: [{ match: `${DATA_DIR}docs.f32.npy`, search: { ef: 64 } }] }));
  const configured = smoke('--config', config);
  assert.equal(configured.code, 2);
  assert.match(configured.stderr, /is searched exactly: it has no search settings/);
  assert.equal(smoke('--config', config, '--no-config').code, 0);
});
