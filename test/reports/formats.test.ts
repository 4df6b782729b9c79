import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import AjvFormats from 'ajv-formats';
import { CHECKS } from '../../src/checks/registry.js';
import type { Report } from '../../src/core/report.js';
import { formatHtml } from '../../src/reporters/html.js';
import { formatJunit } from '../../src/reporters/junit.js';
import { formatMarkdown } from '../../src/reporters/markdown.js';
import { formatSarif } from '../../src/reporters/sarif.js';
import { formatText } from '../../src/reporters/text.js';
import { formatJson } from '../../src/reporters/json.js';
import { acceptFindings } from '../../src/report/accepted-findings.js';
import { reportJsonSchemaText } from '../../src/report/report-schema.js';
import { assertReportSchema, REPORT_SCHEMA_PATH, reportSchemaAccepts } from '../helpers/report-schema.js';
import type { FindingCode } from '../../src/core/finding.js';
import { buildReports, type ReportName } from './report-fixtures.js';

/** Which findings (at warn or fail) each demo store must produce: together they cover every check. */
const EXPECTED_CODES: Readonly<Record<ReportName, readonly FindingCode[]>> = {
  kitchenSink: ['zero-vectors', 'nonfinite-values', 'dimension-mismatch', 'metric-mismatch', 'mixed-norm-shards', 'duplicate-rows'],
  collapsed: ['neighbor-collapse'],
  drift: ['normalization-drift'],
  mixedModels: ['mixed-models'],
  foreignQueries: ['query-model-mismatch'],
  empty: ['empty-index'],
  staleIvf: ['ann-recall'],
  missingRows: ['count-mismatch'],
  repeatedIds: ['id-collision'],
  staleFaiss: ['stale-codebook', 'cluster-imbalance'],
  modelSwap: ['model-changed'],
  unreachableGraph: ['unreachable-rows'],
  deletedEntries: [],
  healthy: [],
  churnedTenants: ['filtered-recall', 'deleted-rows'],
};
/**
 * Checks whose warn and fail need a defect no real file shows (deleted-rows on files: a deleted id
 * returned, lists cut short; its warnings come from live stores): covered here at info.
 */
const COVERED_AT_INFO: Readonly<Partial<Record<ReportName, readonly FindingCode[]>>> = { deletedEntries: ['deleted-rows'] };

// Both are CommonJS: under NodeNext the default import is module.exports, whose .default is the export.
const Ajv = AjvDraft04.default;
const addFormats = AjvFormats.default;
const SCHEMAS = new URL('../schemas/', import.meta.url);

/** The parts of a SARIF log the assertions read. */
interface SarifLog {
  runs: { results: { ruleId: string; ruleIndex: number; level: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
}
let reports: Record<ReportName, Report>;
let cleanup = (): void => {};
const scratch = mkdtempSync(join(tmpdir(), 'vectorclinic-formats-'));

before(async () => {
  ({ reports, cleanup } = await buildReports());
});
after(() => {
  cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const all = (): [ReportName, Report][] => Object.entries(reports) as [ReportName, Report][];

test('each demo store produces the findings it was built for, and together they cover every registered check', () => {
  const covered = new Set<string>();
  for (const [name, report] of all()) {
    const found = new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code));
    for (const code of EXPECTED_CODES[name]) assert.ok(found.has(code), `${name} should report ${code}; got ${[...found].join(', ')}`);
    found.forEach((code) => covered.add(code));
    for (const code of COVERED_AT_INFO[name] ?? []) {
      assert.ok(
        report.findings.some((f) => f.code === code),
        `${name} should report ${code}`,
      );
      covered.add(code);
    }
  }
  assert.equal(reports.healthy.verdict, 'pass');
  for (const check of CHECKS) assert.ok(covered.has(check.meta.code), `no demo store triggers ${check.meta.code}`);
});

test('SARIF output validates against the OASIS SARIF 2.1.0 schema', () => {
  // strict: false because the OASIS schema uses draft-04 keywords Ajv's strict mode flags (e.g. "id" next to "$ref").
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile<SarifLog>(JSON.parse(readFileSync(new URL('sarif-schema-2.1.0.json', SCHEMAS), 'utf8')));
  for (const [name, report] of all()) {
    const log = JSON.parse(formatSarif(report));
    assert.ok(validate(log), `${name}: ${ajv.errorsText(validate.errors)}`);
    const run = log.runs[0]!;
    assert.equal(run.results.length, report.findings.length);
    assert.equal(run.tool.driver.rules.length, report.checks.length);
    for (const [i, finding] of report.findings.entries()) {
      const result = run.results[i]!;
      assert.equal(result.ruleId, finding.code);
      assert.equal(result.level, { fail: 'error', warn: 'warning', info: 'note' }[finding.severity]);
      assert.equal(run.tool.driver.rules[result.ruleIndex]?.id, finding.code);
    }
  }
  // The validator is not vacuous: a wrong level is rejected.
  const broken = JSON.parse(formatSarif(reports.kitchenSink)) as SarifLog;
  broken.runs[0]!.results[0]!.level = 'fatal';
  assert.equal(validate(broken), false);
});

test('JUnit output validates against the Jenkins junit-10.xsd (xmllint) with one testcase per check', () => {
  const xsd = new URL('junit-10.xsd', SCHEMAS).pathname;
  const validates = (xml: string): { ok: boolean; output: string } => {
    const file = join(scratch, 'report.xml');
    writeFileSync(file, xml);
    const result = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
    assert.ok(!result.error, `xmllint is needed (apt-get install libxml2-utils): ${result.error?.message}`);
    return { ok: result.status === 0, output: result.stderr };
  };
  for (const [name, report] of all()) {
    for (const failOn of ['fail', 'warn'] as const) {
      const xml = formatJunit(report, failOn);
      const { ok, output } = validates(xml);
      assert.ok(ok, `${name} (--fail-on ${failOn}): ${output}`);
      assert.equal((xml.match(/<testcase /g) ?? []).length, report.checks.length);
      const gated = report.findings.filter((f) => f.severity === 'fail' || (failOn === 'warn' && f.severity === 'warn')).length;
      assert.equal((xml.match(/<failure /g) ?? []).length, gated, `${name} failures at --fail-on ${failOn}`);
      assert.match(xml, new RegExp(`<testsuites [^>]*failures="${gated}"`));
    }
  }
  assert.match(formatJunit(reports.empty), /<testcase [^>]*name="empty-index: [^"]*"[^>]*>\s*<failure /);
  assert.match(formatJunit(reports.healthy), /<skipped message="not run: the target has no approximate index to search: [^"]+"\/>/);
  // The schema check is not vacuous: a testcase without its required name is rejected.
  assert.equal(validates(formatJunit(reports.healthy).replace(/<testcase classname="[^"]*" name="[^"]*"/, '<testcase')).ok, false);
});

test('every finding appears in every format: text, Markdown, JUnit, SARIF and HTML', () => {
  for (const [name, report] of all()) {
    const text = formatText(report, { color: false });
    const markdown = formatMarkdown(report);
    const junit = formatJunit(report);
    const sarif = formatSarif(report);
    const html = formatHtml(report);
    for (const finding of report.findings) {
      assert.ok(text.includes(`${finding.severity.padEnd(4)} ${finding.code}`), `${name}: text lacks ${finding.code}`);
      assert.ok(markdown.includes(`\`${finding.code}\``), `${name}: markdown lacks ${finding.code}`);
      assert.ok(junit.includes(`name="${finding.code}: `), `${name}: junit lacks ${finding.code}`);
      assert.ok(sarif.includes(`"ruleId": "${finding.code}"`), `${name}: sarif lacks ${finding.code}`);
      assert.ok(html.includes(`id="finding-${finding.code}"`), `${name}: html lacks ${finding.code}`);
    }
  }
});

test('text output: grouped by severity, numbers aligned, colour only when asked, one summary line last', () => {
  const report = reports.kitchenSink;
  const plain = formatText(report, { color: false });
  const colored = formatText(report, { color: true });
  assert.doesNotMatch(plain, /\x1b\[/);
  assert.match(colored, /\x1b\[31m/);
  const lines = plain.trimEnd().split('\n');
  assert.ok(plain.indexOf('\nFAIL (') < plain.indexOf('\nWARN ('), 'fail group before warn group');
  assert.match(lines[lines.length - 1] as string, /^FAIL \[No\.8[^\]]*\]: \d+ fail, \d+ warn, \d+ passed, \d+ not run in \d+\.\ds$/);
  // The measures block: every number ends in the same column.
  const measures = lines.filter((line) => /^ {2}(rows|dimensions|sampled|norm min|norm median|norm max|overlap@20|PC1 share|mean cosine) +\S/.test(line));
  assert.equal(measures.length, 9);
  const ends = new Set(measures.map((line) => line.match(/^ {2}\S+(?: \S+)? +\S+/)?.[0].length));
  assert.equal(ends.size, 1, `numbers not aligned:\n${measures.join('\n')}`);
});

test('Markdown escapes table cells and HTML so a PR comment cannot be broken by a finding', () => {
  const finding = reports.kitchenSink.findings[0]!;
  const tricky: Report = { ...reports.kitchenSink, findings: [{ ...finding, title: 'a | b <script>' }] };
  const markdown = formatMarkdown(tricky);
  assert.ok(markdown.includes('a \\| b &lt;script&gt;'));
  assert.ok(!markdown.includes('<script>'));
  assert.match(markdown, /^## ❌ vectorclinic: FAIL/);
});

test('the JSON report keeps its schema-1 fields and adds plots', () => {
  const report = JSON.parse(JSON.stringify(reports.kitchenSink));
  assert.equal(report.schema, 1);
  for (const key of [
    'rows',
    'rowsExact',
    'dim',
    'storage',
    'scanned',
    'scanScope',
    'sampled',
    'seed',
    'norms',
    'normHistogram',
    'zeroRows',
    'nonfiniteRows',
    'unitRows',
    'validRows',
    'overlapAt20',
    'pc1Ratio',
    'pc1RatioUncentered',
    'meanCosine',
    'duplicateRows',
  ]) {
    assert.ok(key in report.stats, `stats.${key}`);
  }
  assert.deepEqual(report.stats.dimensions, { declared: 96, stored: 128, sample: 128, queries: null, indexInput: null, indexOutput: null });
  assert.ok(report.plots.normHistogram && report.plots.pcaScree && report.plots.neighborOverlap && report.plots.kOccurrence);
});

test("filtered recall plot: one row per measured filter with the finding's figures, the unfiltered line, drawn in the HTML", () => {
  const plot = reports.churnedTenants.plots!.filteredRecall!;
  const finding = reports.churnedTenants.findings.find((candidate) => candidate.code === 'filtered-recall')!;
  const measured = (finding.evidence.filters as { filter: string; recallAt10?: number }[]).filter((filter) => filter.recallAt10 !== undefined);
  assert.deepEqual(
    plot.filters.map((filter) => [filter.filter, filter.recall]),
    measured.map((filter) => [filter.filter, filter.recallAt10]),
  );
  assert.equal(plot.unfiltered?.recall, (finding.evidence.unfilteredRecall as { recallAt10: number }).recallAt10);
  assert.match(formatHtml(reports.churnedTenants), /data-plot="filtered-recall"/);
  assert.equal(reports.healthy.plots!.filteredRecall, undefined);
});

test('plot data agrees with the report figures it illustrates', () => {
  const healthy = reports.healthy.plots!;
  const scree = healthy.pcaScree!;
  assert.equal(scree.shares.length, 10);
  assert.ok(Math.abs((scree.shares[0] as number) - (reports.healthy.stats.pc1Ratio as number)) < 1e-3, 'scree PC1 = pc1Ratio');
  for (let i = 1; i < scree.shares.length; i++) assert.ok((scree.shares[i] as number) <= (scree.shares[i - 1] as number));

  const overlap = healthy.neighborOverlap!;
  const size = overlap.matrix.length;
  let offDiagonal = 0;
  for (let a = 0; a < size; a++) {
    assert.equal(overlap.matrix[a]![a], 1);
    for (let b = 0; b < size; b++) {
      assert.equal(overlap.matrix[a]![b], overlap.matrix[b]![a]);
      if (a !== b) offDiagonal += overlap.matrix[a]![b]!;
    }
  }
  assert.ok(Math.abs(offDiagonal / (size * (size - 1)) - (reports.healthy.stats.overlapAt20 as number)) < 1e-3, 'matrix mean = overlap@20');

  const occurrence = healthy.kOccurrence!;
  assert.equal(
    occurrence.distribution.reduce((sum, d) => sum + d.rows, 0),
    occurrence.baseRows,
  );
  assert.equal(
    occurrence.distribution.reduce((sum, d) => sum + d.rows * d.occurrences, 0),
    occurrence.queries * occurrence.k,
  );
  assert.ok(reports.collapsed.plots!.kOccurrence!.skewness > occurrence.skewness, 'collapsed store has stronger hubs');
  assert.ok(reports.collapsed.plots!.neighborOverlap!.mean > 0.35);

  assert.equal(healthy.normHistogram!.groups, undefined);
  const mixed = reports.kitchenSink.plots!.normHistogram!;
  assert.equal(mixed.groupedBy, 'regime');
  const grouped = mixed.groups!.reduce((sum, group) => sum + group.counts.reduce((a, b) => a + b, 0), 0);
  assert.equal(grouped, reports.kitchenSink.stats.validRows, 'every valid sampled row is in one regime group');

  const ivf = reports.staleIvf.plots!.ivfListSizes!;
  assert.equal(
    ivf.sizesDescending.reduce((sum, n) => sum + n, 0),
    reports.staleIvf.stats.rows,
  );
  assert.ok(ivf.imbalance > 2, `stale lists are uneven (imbalance ${ivf.imbalance})`);
  const [curve] = reports.staleIvf.plots!.recallCurves!;
  assert.equal(curve!.x, 'nprobe');
  assert.equal(curve!.points.filter((point) => point.current).length, 1);
  assert.deepEqual(
    curve!.points.map((p) => p.x),
    [...curve!.points.map((p) => p.x)].sort((a, b) => a - b),
  );
  assert.equal(reports.healthy.plots!.ivfListSizes, undefined);
});

test('every report matches the published JSON Schema (schema/report.schema.json), which is generated from the zod schema', () => {
  assert.equal(readFileSync(REPORT_SCHEMA_PATH, 'utf8'), reportJsonSchemaText(), 'schema/report.schema.json is stale: run npm run schema');
  for (const [name, report] of all()) assertReportSchema(formatJson(report), name);
  // A report with accepted findings (suppressed, baselined) is schema 1 too.
  const accepted = acceptFindings(reports.kitchenSink, [{ code: reports.kitchenSink.findings[0]!.code, reason: 'known', source: 'test' }], []);
  assertReportSchema(accepted, 'accepted');
  // The validator is not vacuous: an unknown verdict, a finding code that does not exist, a suppression without a reason.
  const json = JSON.parse(formatJson(accepted));
  assert.equal(reportSchemaAccepts({ ...json, verdict: 'maybe' }), false);
  assert.equal(reportSchemaAccepts({ ...json, findings: [{ ...json.findings[0], code: 'no-such-code' }] }), false);
  assert.equal(reportSchemaAccepts({ ...json, findings: [{ ...json.findings[0], accepted: { by: 'suppression', reason: '', source: 'x' } }] }), false);
  // Open objects: a later tool's extra field still validates.
  assert.equal(reportSchemaAccepts({ ...json, laterField: { argv: [] } }), true);
  // Declared fields are checked: an invocation without its command is not schema 1.
  assert.equal(reportSchemaAccepts({ ...json, invocation: { argv: [] } }), false);
});
