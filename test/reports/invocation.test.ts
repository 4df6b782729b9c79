/**
 * Every report records what was run: the command (pasting it gives the same report), the options in
 * effect, each input with size, modification time and SHA-256, and the tool version; secrets never.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Report } from '../../src/core/report.js';
import { commandLine, describeInvocation } from '../../src/report/invocation.js';
import { toolVersion } from '../../src/core/tool-version.js';
import { formatHtml } from '../../src/reporters/html.js';
import { formatJunit } from '../../src/reporters/junit.js';
import { formatMarkdown } from '../../src/reporters/markdown.js';
import { formatSarif } from '../../src/reporters/sarif.js';
import { formatText } from '../../src/reporters/text.js';
import { DIM, DOCS, loadRows, QUERIES, writeNpy } from './demo-stores.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-invocation-'));
const docs = join(folder, 'docs.npy');
const queries = join(folder, 'queries.npy');
let report: Report;

before(async () => {
  // Raw rows declared cosine with a wrong --dim: options change the verdict, so a command that dropped them would show it.
  writeNpy(docs, await loadRows(DOCS, 800), 800, DIM);
  writeNpy(queries, await loadRows(QUERIES, 100), 100, DIM);
  report = await check(docs, { metric: 'cosine', dim: 96, queries, seed: 7 });
});
after(() => rmSync(folder, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a library call records the equivalent command, the options in effect and every input', () => {
  const invocation = report.invocation;
  assert.ok(invocation);
  assert.equal(invocation.command, `vectorclinic check ${docs} --metric cosine --dim 96 --seed 7 --queries ${queries}`);
  assert.equal(invocation.argv, undefined);
  assert.equal(invocation.options.sample, 5000, 'defaults are recorded');
  assert.equal(invocation.options.auditBudget, 25);
  assert.equal(invocation.options.metric, 'cosine');
  assert.equal(invocation.options.dim, 96);
  assert.deepEqual(invocation.tool, { name: 'vectorclinic', version: toolVersion(), node: process.version });
  assert.deepEqual(
    invocation.inputs.map((input) => [input.role, input.path, input.bytes, input.modifiedAt, input.sha256]),
    [docs, queries].map((path, i) => [i === 0 ? 'target' : 'queries', path, statSync(path).size, statSync(path).mtime.toISOString(), sha256(path)]),
  );
});

test('pasting the recorded command gives the same verdict and findings; the CLI records its exact argv', () => {
  const words = report.invocation?.command.split(' ').slice(1) ?? [];
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...words, '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.ok(result.status === 0 || result.status === 1, result.stderr);
  const rerun = JSON.parse(result.stdout) as Report;
  assert.equal(rerun.verdict, report.verdict);
  assert.equal(report.verdict, 'fail', 'the options matter: --dim 96 against 128-d vectors fails');
  assert.deepEqual(
    rerun.findings.map((f) => [f.code, f.severity]),
    report.findings.map((f) => [f.code, f.severity]),
  );
  assert.deepEqual(rerun.invocation?.argv, [...words, '--json']);
  assert.equal(rerun.invocation?.command, `vectorclinic ${[...words, '--json'].join(' ')}`);
  assert.equal(rerun.invocation?.options.format, 'json');
  assert.equal(rerun.invocation?.options.failOn, 'fail');
});

test('every format shows the command; JUnit and SARIF carry the inputs with their hashes', () => {
  const command = report.invocation?.command ?? '';
  assert.equal(formatText(report, { color: false }).split('\n')[0], command);
  assert.ok(formatMarkdown(report).includes(`\`${command}\``));
  const html = formatHtml(report);
  assert.ok(html.includes(`<pre class="command"><code>${command}</code></pre>`));
  assert.ok(html.includes(sha256(docs)));
  assert.match(formatJunit(report), new RegExp(`<property name="input.target" value="${docs} \\d+ bytes \\S+ sha256:${sha256(docs)}"/>`));
  const sarif = JSON.parse(formatSarif(report));
  assert.equal(sarif.runs[0].invocations[0].commandLine, command);
  assert.deepEqual(sarif.runs[0].artifacts[0].hashes, { 'sha-256': sha256(docs) });
});

test('secrets in store URLs never reach the recorded command, argv or inputs', () => {
  const url = 'postgres://reader:s3cr3t@db.example:5432/vectors?table=docs&password=hunter2';
  const invocation = describeInvocation(commandLine(['check', url, '--metric', 'cosine']), ['check', url], {}, [['target', url]]);
  const recorded = JSON.stringify(invocation);
  assert.doesNotMatch(recorded, /s3cr3t|hunter2/);
  assert.match(invocation.command, /^vectorclinic check 'postgres:\/\/reader:\*\*\*@db\.example:5432\/vectors\?table=docs&password=\*\*\*' --metric cosine$/);
  assert.deepEqual(invocation.inputs, [{ role: 'target', path: 'postgres://reader:***@db.example:5432/vectors?table=docs&password=***', kind: 'store' }]);
});
