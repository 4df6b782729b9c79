/**
 * Passed, finding and not run are three different things in every format: a check whose inputs
 * are missing (no --queries, no --dim, no index, no codebook) is never shown as passed, and says in
 * plain words what would let it run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import { guardFile } from '../../src/guard/guard-file.js';
import type { CheckOutcome, Report } from '../../src/core/report.js';
import { formatHtml } from '../../src/reporters/html.js';
import { formatJunit } from '../../src/reporters/junit.js';
import { formatMarkdown } from '../../src/reporters/markdown.js';
import { formatSarif } from '../../src/reporters/sarif.js';
import { formatText } from '../../src/reporters/text.js';
import { DIM, DOCS, loadRows, QUERIES, writeNpy } from './demo-stores.js';

const ROWS = 1500;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-states-'));
/** A plain .npy checked with nothing else: no queries, no --dim, no index, no manifest. */
let bare: Report;
/** The same file with --queries and --dim: the query-side checks run. */
let withInputs: Report;
/** The file after `guard` (normalized, with a store manifest declaring it), checked without queries. */
let guarded: Report;

before(async () => {
  const docs = join(folder, 'docs.npy');
  const queries = join(folder, 'queries.npy');
  writeNpy(docs, await loadRows(DOCS, ROWS), ROWS, DIM);
  writeNpy(queries, await loadRows(QUERIES, 200), 200, DIM);
  bare = await check(docs);
  withInputs = await check(docs, { queries, dim: DIM });
  const clean = join(folder, 'clean.npy');
  await guardFile({ input: docs, out: clean, dim: DIM, metric: 'cosine' });
  guarded = await check(clean);
});
after(() => rmSync(folder, { recursive: true, force: true }));

function outcome(report: Report, code: string): CheckOutcome {
  const found = report.checks.find((candidate) => candidate.code === code);
  assert.ok(found, `no outcome for ${code}`);
  return found;
}

test('JSON: checks whose inputs are missing are not run, with what would let them run', () => {
  const drift = outcome(bare, 'normalization-drift');
  assert.equal(drift.result, 'not-run');
  assert.equal(drift.status, 'not-applicable');
  assert.match(drift.detail ?? '', /--queries FILE/);
  const codebook = outcome(bare, 'stale-codebook');
  assert.equal(codebook.result, 'not-run');
  assert.match(codebook.detail ?? '', /no codebook/);
  const recall = outcome(bare, 'ann-recall');
  assert.equal(recall.result, 'not-run');
  assert.match(recall.detail ?? '', /index file/);
  // The rest of dimension-mismatch ran (ragged rows, empty columns): it passes under a title that says only that.
  const dims = outcome(bare, 'dimension-mismatch');
  assert.equal(dims.result, 'passed');
  assert.notEqual(dims.title, 'Dimensions match the model');
  assert.match((dims.notChecked ?? []).join(' '), /--dim N/);
  for (const check of bare.checks) {
    assert.ok(check.result, `${check.code} has a result`);
    assert.doesNotMatch(check.detail ?? '', /\bneeds\b|annAudit|\breference\b,|rowStats/, `${check.code}: internal words in '${check.detail}'`);
  }
  assert.equal(bare.verdict, 'pass', 'a check that did not run does not change the verdict');
});

test('with --queries and --dim the same checks run and pass', () => {
  assert.equal(outcome(withInputs, 'normalization-drift').result, 'passed');
  assert.equal(outcome(withInputs, 'normalization-drift').title, 'Queries and stored vectors are normalized alike');
  const dims = outcome(withInputs, 'dimension-mismatch');
  assert.equal(dims.result, 'passed');
  assert.equal(dims.title, 'Dimensions match the model');
  assert.equal(dims.notChecked, undefined);
});

test('a check that ran in part (the manifest policy, but no queries) passes under a title naming only what it checked', () => {
  const drift = outcome(guarded, 'normalization-drift');
  assert.equal(drift.result, 'passed');
  assert.equal(drift.title, 'Stored vectors match the normalization the policy declares');
  assert.match((drift.notChecked ?? []).join(' '), /queries were not compared with the store: pass --queries FILE/);
  // The manifest declares the dimension: dimension-mismatch ran in full.
  assert.equal(outcome(guarded, 'dimension-mismatch').title, 'Dimensions match the model');
  assert.equal(outcome(guarded, 'dimension-mismatch').notChecked, undefined);
  assert.equal(outcome(guarded, 'stale-codebook').result, 'passed', 'the manifest lets stale-codebook compare rows with the recorded distribution');
});

test('text: a check that did not run is listed under NOT RUN with its reason, never under PASSED', () => {
  const text = formatText(bare, { color: false });
  const passed = section(text, 'PASSED');
  const notRun = section(text, 'NOT RUN');
  assert.doesNotMatch(passed, /normalization-drift|stale-codebook|ann-recall|Dimensions match the model/);
  assert.match(notRun, /normalization-drift {2}Queries and stored vectors are normalized alike\n\s+no query vectors were given: pass --queries FILE/);
  assert.match(notRun, /dimension-mismatch {2}\(in part\)/);
  const notRunCount = bare.checks.filter((check) => check.result === 'not-run').length;
  assert.match(text, new RegExp(`^NOT RUN \\(${notRunCount}, and 1 check in part\\)`, 'm'));
  assert.match(text, new RegExp(`^PASS: .*\\d+ passed, ${notRunCount} not run in`, 'm'));
});

test('Markdown and HTML: not-run checks sit in their own list, apart from the passed ones', () => {
  const markdown = formatMarkdown(bare);
  const passedBlock = markdown.slice(markdown.indexOf('checks passed</summary>'), markdown.indexOf('</details>', markdown.indexOf('checks passed</summary>')));
  assert.doesNotMatch(passedBlock, /normalization-drift|stale-codebook/);
  assert.match(markdown, /not run, and 1 in part: not checked, so not passed<\/summary>/);
  assert.match(markdown, /- ⏭️ Queries and stored vectors are normalized alike \(`normalization-drift`\): no query vectors were given/);

  const html = formatHtml(bare);
  const passedList = html.slice(html.indexOf('<ul class="passed">'), html.indexOf('</ul>', html.indexOf('<ul class="passed">')));
  assert.doesNotMatch(passedList, /normalization-drift|stale-codebook|ann-recall/);
  assert.match(html, /<li class="check-not-run"><span class="mark">–<\/span> Queries and stored vectors are normalized alike <code>normalization-drift<\/code> <small>no query vectors were given/);
  assert.match(html, /class="count count-not-run" href="#not-run">\d+ not run</);
});

test('JUnit marks not-run checks skipped; SARIF reports them as notifications, not results', () => {
  const junit = formatJunit(bare);
  assert.match(junit, /name="normalization-drift: [^"]+" time="0">\s*<skipped message="not run: no query vectors were given: pass --queries FILE/);
  assert.match(junit, /name="dimension-mismatch: [^"]+" time="0">\s*<system-out>not checked: the model's dimension/);
  const skipped = Number(/<testsuite [^>]*skipped="(\d+)"/.exec(junit)?.[1]);
  assert.equal(skipped, bare.checks.filter((check) => check.result === 'not-run').length);

  const sarif = JSON.parse(formatSarif(bare)) as {
    runs: { results: { ruleId: string }[]; invocations: { toolExecutionNotifications: { level: string; message: { text: string }; associatedRule: { id: string } }[] }[] }[];
  };
  const run = sarif.runs[0];
  assert.ok(run);
  assert.equal(run.results.length, bare.findings.length);
  const notes = run.invocations[0]?.toolExecutionNotifications ?? [];
  const drift = notes.find((note) => note.associatedRule.id === 'normalization-drift');
  assert.ok(drift, 'normalization-drift is a notification');
  assert.equal(drift.level, 'note');
  assert.match(drift.message.text, /not run: no query vectors were given/);
});

/** A text-report section: from its heading to the next blank line. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `no ${heading} section`);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}
