/**
 * Living with the tool: vectorclinic.config.json (found upward, validated, overridden by flags),
 * `init`, suppressions with a reason (config and store manifest) and --baseline, as a team's CI
 * runs them (real processes in a project folder).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { CONFIG_FILE } from '../../src/cli/config/config-file.js';
import { matchesTarget } from '../../src/cli/config/target-settings.js';
import { createManifest, writeManifest } from '../../src/manifest/index.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { assertReportSchema } from '../helpers/report-schema.js';
import { DIM, DOCS, loadRows, writeNpy } from '../reports/demo-stores.js';

const JUNIT_XSD = new URL('../schemas/junit-10.xsd', import.meta.url).pathname;
const project = mkdtempSync(join(tmpdir(), 'vectorclinic-config-'));
/** Raw model-A rows: declared cosine they warn metric-mismatch (and nothing else). */
const RAW = 'raw.npy';
/** A FAISS-written flat index with zero and NaN rows: fails. */
const FAILING = 'broken.faiss';

before(async () => {
  writeNpy(join(project, RAW), await loadRows(DOCS, 1000), 1000, DIM);
  cpSync(new URL('../fixtures/faiss/flat_nan_zero.faiss', import.meta.url).pathname, join(project, FAILING));
  mkdirSync(join(project, 'sub'));
});
after(() => rmSync(project, { recursive: true, force: true }));

const run = (args: readonly string[], cwd = project): CliRun => runCliSync(args, { cwd, env: { ...process.env, CI: 'true' } });

function writeConfig(config: unknown, path = join(project, CONFIG_FILE)): void {
  writeFileSync(path, JSON.stringify(config, null, 2));
}

function codes(report: { findings: { code: string; accepted?: unknown }[] }, accepted: boolean): string[] {
  return report.findings.filter((finding) => Boolean(finding.accepted) === accepted).map((finding) => finding.code);
}

test('the config is found upward from the working directory, paths in it are relative to it, and flags override it', () => {
  writeConfig({ metric: 'cosine', sample: 500, targets: [{ match: '*.faiss', metric: 'l2' }] });
  const fromSub = run(['check', `../${RAW}`, '--json'], join(project, 'sub'));
  assert.equal(fromSub.code, 0, fromSub.stderr);
  const report = JSON.parse(fromSub.stdout);
  assert.equal(report.policy.declared.metric, 'cosine');
  assert.equal(report.stats.sampled, 500);
  assert.deepEqual(codes(report, false), ['metric-mismatch']);

  // The matching targets entry wins over the top level; a flag wins over both.
  const index = JSON.parse(run(['check', FAILING, '--json']).stdout);
  assert.equal(index.policy.declared.metric, 'l2');
  const flagged = JSON.parse(run(['check', RAW, '--json', '--metric', 'l2', '--sample', '300']).stdout);
  assert.equal(flagged.policy.declared.metric, 'l2');
  assert.equal(flagged.stats.sampled, 300);
  // --no-config: nothing declared.
  assert.equal(JSON.parse(run(['check', RAW, '--json', '--no-config']).stdout).policy.declared.metric, undefined);
});

test('a bad config is exit 2 naming the file, the JSON path and what was expected', () => {
  const bad = join(project, 'sub', 'bad.json');
  writeConfig({ metric: 'cosin', targets: [{ match: '*.npy', suppress: [{ code: 'metric-mismatch' }] }], formats: ['pdf'] }, bad);
  const result = run(['check', RAW, '--config', bad]);
  assert.equal(result.code, 2);
  assert.ok(result.stderr.startsWith(`vectorclinic: ${bad}: invalid config: `), result.stderr);
  assert.match(result.stderr, /metric: Invalid option: expected one of "cosine"\|"l2"\|"ip"/);
  assert.match(result.stderr, /targets\[0\]\.suppress\[0\]\.reason: /);
  assert.match(result.stderr, /formats\[0\]: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /);

  writeFileSync(bad, '{ "metric": "cosine", }');
  const syntax = run(['check', RAW, '--config', bad]);
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /not valid JSON: .*\n {2}fix: fix the syntax/);
  const unknown = run(['check', RAW, '--config', bad.replace('bad', 'missing')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /cannot read the config file \(ENOENT\)/);
});

test('a suppression with its reason: shown in every format, marked, not counted in the verdict or the exit code', () => {
  const reason = 'raw vectors are normalized by the serving layer (ticket 123)';
  writeConfig({ metric: 'cosine', failOn: 'warn', formats: ['json', 'md', 'junit', 'sarif', 'html', 'text'], outDir: 'reports', targets: [{ match: '*.npy', suppress: [{ code: 'metric-mismatch', reason }] }] });
  const result = run(['check', `../${RAW}`], join(project, 'sub'));
  assert.equal(result.code, 0, result.stderr);
  const reports = join(project, 'reports');
  assert.deepEqual(readdirSync(reports).sort(), ['raw.npy.html', 'raw.npy.json', 'raw.npy.md', 'raw.npy.sarif', 'raw.npy.txt', 'raw.npy.xml']);
  const report = JSON.parse(readFileSync(join(reports, 'raw.npy.json'), 'utf8'));
  assertReportSchema(report, 'suppressed');
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(report.labels, []);
  assert.deepEqual(report.findings[0].accepted, { by: 'suppression', reason, source: `${join(project, CONFIG_FILE)} targets[0]` });
  assert.match(readFileSync(join(reports, 'raw.npy.txt'), 'utf8'), /ACCEPTED \(1\)[\s\S]*suppressed: raw vectors are normalized[\s\S]*^PASS: 1 accepted/m);
  assert.match(readFileSync(join(reports, 'raw.npy.md'), 'utf8'), /\| suppressed \(warn\) \| `metric-mismatch` \|[\s\S]*\*\*suppressed:\*\* raw vectors are normalized/);
  assert.match(readFileSync(join(reports, 'raw.npy.html'), 'utf8'), /badge-accepted">suppressed<[\s\S]*Suppressed<\/strong> raw vectors are normalized/);
  const sarif = JSON.parse(readFileSync(join(reports, 'raw.npy.sarif'), 'utf8'));
  assert.match(sarif.runs[0].results[0].suppressions[0].justification, /^suppressed: raw vectors are normalized/);
  const junit = readFileSync(join(reports, 'raw.npy.xml'), 'utf8');
  assert.match(junit, /failures="0"/);
  assert.doesNotMatch(junit, /<failure /);
  const xsd = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, join(reports, 'raw.npy.xml')], { encoding: 'utf8' });
  assert.equal(xsd.status, 0, xsd.stderr);
  rmSync(reports, { recursive: true });

  // Without the suppression the same config fails the gate it sets (failOn warn).
  writeConfig({ metric: 'cosine', failOn: 'warn' });
  assert.equal(run(['check', RAW, '-q']).code, 1);
});

test('a suppression in the store manifest applies to that store, with the manifest as its source', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-manifest-suppress-'));
  try {
    const file = join(dir, 'store.npy');
    writeNpy(file, await loadRows(DOCS, 1000), 1000, DIM);
    const manifest = { ...createManifest({ dim: DIM, metric: 'cosine', normalized: false, rows: 1000 }), suppress: [{ code: 'metric-mismatch' as const, reason: 'queries are raw too (measured)' }] };
    const path = writeManifest(file, manifest);
    const report = await check(file);
    const finding = report.findings.find((each) => each.code === 'metric-mismatch');
    assert.deepEqual(finding?.accepted, { by: 'suppression', reason: 'queries are raw too (measured)', source: path });
    // The verdict is what the findings that still count say.
    const counted = report.findings.filter((each) => !each.accepted);
    assert.equal(report.verdict, counted.some((each) => each.severity === 'fail') ? 'fail' : counted.some((each) => each.severity === 'warn') ? 'warn' : 'pass');
    assert.ok(!counted.some((each) => each.code === 'metric-mismatch'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--baseline: only findings not in the baseline count; a finding that got worse is new', () => {
  rmSync(join(project, CONFIG_FILE), { force: true });
  const baseline = join(project, 'baseline.json');
  const first = run(['check', FAILING, '-o', baseline]);
  assert.equal(first.code, 1);
  const known = JSON.parse(readFileSync(baseline, 'utf8'));
  assert.ok(known.findings.some((finding: { severity: string }) => finding.severity === 'fail'));

  // Same store again (numbers in messages may move; code + target is what matches).
  const again = run(['check', FAILING, '--json', '--baseline', baseline]);
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout);
  assertReportSchema(report, 'baselined');
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(codes(report, false), []);
  assert.ok(report.findings.every((finding: { accepted: { by: string; source: string } }) => finding.accepted.by === 'baseline' && finding.accepted.source === baseline));

  // The baseline recorded one of them as a mere warning: at fail it is new, and fails the run.
  const fails = known.findings.filter((finding: { severity: string }) => finding.severity === 'fail');
  const softened = { ...known, findings: known.findings.map((finding: { severity: string }) => (finding === fails[0] ? { ...finding, severity: 'warn' } : finding)) };
  writeFileSync(baseline, JSON.stringify(softened));
  const worse = run(['check', FAILING, '--json', '--baseline', baseline]);
  assert.equal(worse.code, 1);
  assert.deepEqual(codes(JSON.parse(worse.stdout), false), [fails[0].code]);

  // Another target's findings are not in this baseline: every one counts, and the report says why.
  const other = run(['check', RAW, '--metric', 'cosine', '--fail-on', 'warn', '--json', '--baseline', baseline]);
  assert.equal(other.code, 1);
  assert.match(JSON.parse(other.stdout).notes.join('\n'), /has no report for .*raw\.npy: every finding counts as new/);

  const notReport = join(project, 'sub', 'not-a-report.json');
  writeFileSync(notReport, '{"hello": 1}');
  const bad = run(['check', RAW, '--baseline', notReport]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a vectorclinic JSON report/);
});

test('init writes a config from a first check, never overwrites one without --force, and the next check uses it', () => {
  rmSync(join(project, CONFIG_FILE), { force: true });
  const init = run(['init', FAILING]);
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(readFileSync(join(project, CONFIG_FILE), 'utf8'));
  assert.deepEqual(written.targets, [{ match: FAILING, metric: 'ip', dim: 128 }]);
  assert.match(init.stdout, /note: metric ip is the index's metric: check that it is the model's/);
  assert.match(init.stdout, /finding\(s\) at warn or fail .*--baseline/);

  const again = run(['init', RAW]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists\n {2}fix: edit it, or run init again with --force/);
  assert.deepEqual(JSON.parse(readFileSync(join(project, CONFIG_FILE), 'utf8')), written);

  const forced = run(['init', RAW, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /no metric recorded/);
  assert.deepEqual(JSON.parse(readFileSync(join(project, CONFIG_FILE), 'utf8')).targets, [{ match: RAW, dim: 128 }]);
  assert.ok(existsSync(join(project, CONFIG_FILE)));
  const checked = run(['check', RAW, '--json', '--dim', '64']);
  assert.equal(JSON.parse(checked.stdout).policy.declared.dim, 64, 'the flag overrides the recorded dim');
  assert.equal(JSON.parse(run(['check', RAW, '--json']).stdout).policy.declared.dim, 128);
});

test('target patterns: path globs relative to the config folder, URL patterns against the redacted URL (no secret in a config)', () => {
  const base = '/repo';
  assert.equal(matchesTarget('data/*.npy', '/repo/data/a.npy', base), true);
  assert.equal(matchesTarget('data/*.npy', '/repo/data/deep/a.npy', base), false);
  assert.equal(matchesTarget('data/**/*.npy', '/repo/data/deep/er/a.npy', base), true);
  assert.equal(matchesTarget('data/**/*.npy', '/repo/data/a.npy', base), true);
  assert.equal(matchesTarget('postgres://*', '/repo/postgres.npy', base), false);
  assert.equal(matchesTarget('*.npy', 'postgres://app@db/x.npy', base), false);
  assert.equal(matchesTarget('postgres://app:***@db/rag?table=items', 'postgres://app:s3cret@db/rag?table=items', base), true);
  assert.equal(matchesTarget('postgres://app@db/rag?table=*', 'postgres://app:s3cret@db/rag?table=items', base), false);
  assert.equal(matchesTarget('postgres://*/rag?table=items', 'postgres://app:s3cret@db/rag?table=items', base), true);
  assert.equal(matchesTarget('postgres://*', 'postgres://app:s3cret@db/rag?table=items', base), true);
  assert.equal(matchesTarget('lancedb://*', 'postgres://app@db/rag?table=items', base), false);
});
