/**
 * What users read is in their words: evidence with readable names, units and meanings (not JSON
 * keys), the fix as the most visible line, and engine-specific advice only for that engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../src/api/check.js';
import metricMismatch from '../../src/checks/metric-mismatch.js';
import { runChecks } from '../../src/checks/runner.js';
import type { Report } from '../../src/core/report.js';
import type { Artifacts } from '../../src/gather/artifacts.js';
import { normalizedCopy } from '../../src/math/vectors.js';
import { formatHtml } from '../../src/reporters/html.js';
import { formatMarkdown } from '../../src/reporters/markdown.js';
import { formatText } from '../../src/reporters/text.js';
import { DIM, DOCS, loadRows, QUERIES, writeNpy } from './demo-stores.js';

const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-plain-'));
/** Raw documents searched with normalized queries under inner product: a normalization-drift finding. */
let drift: Report;
/** Raw documents with no metric declared: metric-mismatch's general advice. */
let undeclared: Report;
/** Raw documents declared cosine: one warning (metric-mismatch, No.8). */
let warned: Report;

before(async () => {
  const docs = join(folder, 'docs.npy');
  const queries = join(folder, 'queries.npy');
  writeNpy(docs, await loadRows(DOCS, 1000), 1000, DIM);
  writeNpy(queries, normalizedCopy(await loadRows(QUERIES, 200), 200, DIM), 200, DIM);
  drift = await check(docs, { metric: 'ip', queries });
  undeclared = await check(docs);
  warned = await check(docs, { metric: 'cosine' });
});
after(() => rmSync(folder, { recursive: true, force: true }));

test('HTML and Markdown show evidence by readable name, with units and the meaning of each field', () => {
  const finding = drift.findings.find((f) => f.code === 'normalization-drift');
  assert.ok(finding, 'the drift store has a normalization-drift finding');
  assert.ok('queryNormP50' in finding.evidence);
  const html = formatHtml(drift);
  const card = html.slice(html.indexOf('id="finding-normalization-drift"'), html.indexOf('</details>\n</details>', html.indexOf('id="finding-normalization-drift"')));
  assert.match(card, /<th title="queryNormP50">query norm median<\/th><td>1<\/td><td><small>median query norm<\/small><\/td>/);
  assert.doesNotMatch(card, />queryNormP50</, 'no JSON key as a row name');
  const markdown = formatMarkdown(drift);
  assert.match(markdown, /\| query norm median \| 1 \| median query norm \|/);
  assert.match(markdown, /\| evidence \| value \| meaning \|/);
  for (const finding of drift.findings) for (const key of Object.keys(finding.evidence)) if (/[a-z][A-Z]/.test(key)) assert.ok(!markdown.includes(`| ${key} |`), `${key} shown raw`);
});

test('the terminal report points to explain for its findings and labels, and says nothing of it on a clean store', () => {
  assert.match(formatText(warned, { color: false }), /^what a finding or label means: vectorclinic explain metric-mismatch, vectorclinic explain No\.8$/m);
  assert.doesNotMatch(formatText(undeclared, { color: false }), /vectorclinic explain/);
});

test('the fix is the most visible line of a finding in the terminal: bold, never dimmed', () => {
  const colored = formatText(drift, { color: true });
  const fixLines = colored.split('\n').filter((line) => line.includes('fix: '));
  assert.ok(fixLines.length > 0);
  for (const line of fixLines) {
    assert.match(line, /\x1b\[1mfix: /);
    assert.doesNotMatch(line, /\x1b\[2m/);
  }
});

test("engine-specific advice only for that engine: no pgvector terms for a plain .npy, pgvector's own on pgvector", async () => {
  const general = undeclared.findings.find((f) => f.code === 'metric-mismatch');
  assert.ok(general);
  assert.doesNotMatch(general.fix, /vector_cosine_ops|<=>|ivfflat|ef_search/);
  assert.match(general.fix, /^Pass --metric/, 'no metric declared: the fix is to declare it');
  const unitStore = await check(new URL('../../demo/data/docs.npy', import.meta.url).pathname);
  const unitInfo = unitStore.findings.find((f) => f.code === 'metric-mismatch');
  assert.equal(unitInfo?.severity, 'info');
  assert.match(unitInfo?.fix ?? '', /^Nothing to fix in the vectors/, 'unit vectors are never told to normalize');
  // The same finding on a pgvector store (the runner adds the check's advice for the source's kind).
  const onKind = (kind: string) => {
    const artifacts = { source: { kind } } as unknown as Artifacts;
    const run = runChecks(artifacts, [{ meta: { ...metricMismatch.meta, requiredArtifacts: [] }, run: () => ({ severity: 'warn', message: 'raw vectors, cosine model', evidence: {} }) }]);
    return run.findings[0]?.fix ?? '';
  };
  assert.match(onKind('pgvector'), /vector_cosine_ops/);
  assert.match(onKind('lancedb'), /distance_type "cosine"/);
  assert.doesNotMatch(onKind('npy'), /vector_cosine_ops|distance_type/);
});

test('HTML: a striking plot number says whether it matters, from the outcome of the check that judges it', () => {
  const html = formatHtml(undeclared);
  const figure = html.slice(html.indexOf('id="plot-k-occurrence"'), html.indexOf('</figure>', html.indexOf('id="plot-k-occurrence"')));
  assert.match(figure, /k-occurrence \(hubness\): skewness [\d.]+ \([\d.]+ without hubs\)/);
  assert.match(figure, /<p class="plot-verdict plot-verdict-passed">Does it matter\? No: neighbor-collapse passed \(Neighbour lists depend on the query\) — nothing here crosses its thresholds\.<\/p>/);
  assert.doesNotMatch(html, /if hub-free/);
  const warnedHtml = formatHtml(warned);
  const norms = warnedHtml.slice(warnedHtml.indexOf('id="plot-norm-histogram"'), warnedHtml.indexOf('</figure>', warnedHtml.indexOf('id="plot-norm-histogram"')));
  assert.match(norms, /plot-verdict-passed">Does it matter\? No: mixed-norm-shards passed/);
});

test('HTML: the headline agrees with the verdict and with the label meanings shown beside it', () => {
  assert.equal(warned.verdict, 'warn');
  assert.deepEqual(warned.labels, ['No.8']);
  const headline = (report: Report): string => /<h2>([^<]+)<\/h2>/.exec(formatHtml(report))?.[1] ?? '';
  const warnHtml = formatHtml(warned);
  assert.equal(headline(warned), 'This store retrieves, but not everything it should: the warnings below say what to fix.');
  assert.match(warnHtml, /<li class="label"><strong>No\.8<\/strong> retrieval health: the store does not return everything it should<\/li>/);
  assert.doesNotMatch(warnHtml, /cannot return/, 'a WARN page never says the store cannot return');
  const notRun = undeclared.checks.filter((check) => check.result === 'not-run').length;
  assert.equal(headline(undeclared), `This store can retrieve: no check that ran found a problem (${notRun} could not run: see below).`);
});
