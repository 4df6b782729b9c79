/**
 * The CLI as users and CI run it (a real process): exit codes under --fail-on, --json, --out,
 * --quiet and --verbose on stderr, progress only on a terminal, and `explain`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkByCode } from '../../src/checks/registry.js';
import { checkDoc } from '../../src/reporters/check-doc.js';
import { explainCheck } from '../../src/reporters/check-explain.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { DIM, DOCS, loadRows, writeNpy } from './demo-stores.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-cli-'));
/** Raw model-A rows declared cosine: exactly one warning (metric-mismatch), no fail. */
const warnOnly = join(folder, 'raw.npy');

before(async () => {
  writeNpy(warnOnly, await loadRows(DOCS, 1000), 1000, DIM);
});
after(() => rmSync(folder, { recursive: true, force: true }));

const run = (args: readonly string[], env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' }): CliRun => runCliSync(args, { env });

test('--fail-on sets the exit code: a warning passes by default and fails with --fail-on warn', () => {
  const plain = run(['check', warnOnly, '--metric', 'cosine']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^WARN \[No\.8\]: 1 warn, \d+ passed, \d+ not run in /m);
  assert.equal(plain.stderr, '', 'nothing on stderr in a pipe');

  const strict = run(['check', warnOnly, '--metric', 'cosine', '--fail-on', 'warn', '--json', '--verbose']);
  assert.equal(strict.code, 1);
  const report = JSON.parse(strict.stdout);
  assert.deepEqual(
    report.findings.map((f: { code: string }) => f.code),
    ['metric-mismatch'],
  );
  assert.match(strict.stderr, /^vectorclinic: scanning: 1,000 rows × 128 dims$/m);
  assert.match(strict.stderr, /^vectorclinic: dimension contract: stored 128 → sample 128 {2}\(consistent\)$/m);
});

test('--format html --out writes one page and --quiet keeps stderr silent even with --verbose', () => {
  const out = join(folder, 'report.html');
  const result = run(['check', warnOnly, '--metric', 'cosine', '--format', 'html', '--out', out, '--quiet', '--verbose']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, '');
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('id="finding-metric-mismatch"'));
});

test('progress shows rows/s and ETA on a terminal, and nothing under CI', () => {
  // `script` gives the child a pseudo-terminal, as an interactive shell would.
  const command = `${process.execPath} --import tsx src/cli.ts check ${warnOnly} --metric cosine --format json --out ${join(folder, 'tty.json')}`;
  const withoutCi = { ...process.env };
  delete withoutCi.CI;
  const terminal = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: withoutCi });
  assert.equal(terminal.status, 0, terminal.stderr);
  assert.match(terminal.stdout, /scanning .*\d+% \| [\d,]+\/1000 \| [\d,]+ rows\/s \| ETA /);
  assert.match(terminal.stdout, /checking .*\d+% \| [\d,]+\/\d+ \| [\d,]+ checks\/s \| ETA /, 'the checks are a phase of their own');
  const ci = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...withoutCi, CI: 'true' } });
  assert.equal(ci.status, 0);
  assert.doesNotMatch(ci.stdout, /rows\/s/);
});

test('an index audit names its phases on a terminal: the exact top-k over the reference (rows), then the index search (queries), each with its ETA', () => {
  const index = join(ROOT, 'test/fixtures/ann/cos-f32.usearch');
  const reference = join(ROOT, 'test/fixtures/ann/reference.npy');
  const command = `${process.execPath} --import tsx src/cli.ts check ${index} --vectors ${reference} --metric cosine --format json --out ${join(folder, 'audit-tty.json')}`;
  const env = { ...process.env };
  delete env.CI;
  const terminal = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env });
  assert.equal(terminal.status, 0, terminal.stdout);
  assert.match(terminal.stdout, /audit: index search .*\d+% \| [\d,]+\/\d+ \| [\d,]+ queries\/s \| ETA /);
  const verbose = run(['check', index, '--vectors', reference, '--metric', 'cosine', '--json', '--verbose']);
  assert.match(verbose.stderr, /^vectorclinic: audit: index search: [\d,]+ queries$/m);
  assert.match(verbose.stderr, /^vectorclinic: checking: \d+ checks$/m);
});

test('explain prints the check documentation for a terminal (plain in a pipe), Markdown on request; labels too; typos get a suggestion', () => {
  const explained = run(['explain', 'mixed-norm-shards']);
  assert.equal(explained.code, 0);
  assert.equal(explained.stdout, `${explainCheck(checkByCode('mixed-norm-shards')!.meta, false)}\n`);
  assert.doesNotMatch(explained.stdout, /^#|\||`|\*\*|\x1b\[/m, 'no Markdown and no colour codes in a pipe');
  assert.match(explained.stdout, /^FIX\n {2}Normalize/m);
  assert.match(explained.stdout, /^ {2}minority share {2,}share of the smaller population$/m, 'evidence with readable names');
  assert.doesNotMatch(explained.stdout, /annAudit|rowStats|requiredArtifacts/);
  const forced: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '1' };
  delete forced.NO_COLOR;
  const colored = run(['explain', 'mixed-norm-shards'], forced);
  assert.match(colored.stdout, /\x1b\[1mFIX/);
  assert.equal(run(['explain', 'mixed-norm-shards', '--markdown']).stdout, checkDoc(checkByCode('mixed-norm-shards')!.meta));

  for (const spelling of ['No.8', 'no.14', 'NO16']) {
    const label = run(['explain', spelling]);
    assert.equal(label.code, 0, `${spelling}: ${label.stderr}`);
    assert.match(label.stdout, /^No\.(8|14|16): \S/);
    assert.match(label.stdout, /REPORTED BY\n {2}[a-z-]+ /);
  }
  assert.match(run(['explain', 'no.14']).stdout, /stale-codebook/);

  const typo = run(['explain', 'ann-recal']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^vectorclinic: explain: unknown finding code 'ann-recal'; did you mean 'ann-recall'\?\n {2}fix: known codes: .*zero-vectors.*labels: No\.8, No\.14, No\.16/);
  const unknown = run(['explain', 'no-such-code']);
  assert.equal(unknown.code, 2);
  assert.doesNotMatch(unknown.stderr, /did you mean|\n\s+at /);
});
