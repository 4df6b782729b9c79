import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import { UsageError } from '../../src/errors.js';
import { pythonForFaiss } from '../../src/rebuild/engines/faiss.js';
import { FAISS_INSTALL, rebuild } from '../../src/rebuild/index.js';
import { writeNpy } from '../../src/io/npy-writer.js';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';
import { fixture } from './fixtures.js';

// ann-recall's advice must agree with the other findings and with the data: issue 13, items 4 and 5.
const MAKE_FIXTURES = new URL('../../scripts/fixtures/faiss/make_ann_advice_fixtures.py', import.meta.url).pathname;
const hasFaiss = spawnSync(pythonForFaiss(), ['-c', 'import faiss, numpy'], { stdio: 'ignore' }).status === 0;
const cosine = { metric: 'cosine', dim: DIM } as const;

const annRecall = (report: Report): Finding | undefined => report.findings.find((finding) => finding.code === 'ann-recall');
const severityOf = (report: Report, code: string): string | undefined => report.findings.find((finding) => finding.code === code)?.severity;
const PARAMETER_FIX = /a parameter fix|Set (nprobe|efSearch) to at least/;

describe('FAISS files written by FAISS', { skip: hasFaiss ? false : `needs ${FAISS_INSTALL}` }, () => {
  let dir = '';
  const file = (name: string): string => join(dir, name);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-ann-advice-'));
    const made = spawnSync(pythonForFaiss(), [MAKE_FIXTURES, DATA_DIR, dir], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('stale IVF-PQ: no parameter fix while stale-codebook fails, and the decoded-vector basis is stated', async () => {
    // Real model-B queries, at nprobe 1 as the application sets it: against the decoded vectors a wider probe looks like it recovers (52% → 97%).
    const report = await check(file('stale-ivfpq.faiss'), { ...cosine, queries: file('queries-b.npy'), search: { nprobe: 1 } });
    assert.equal(severityOf(report, 'stale-codebook'), 'fail');
    const finding = annRecall(report)!;
    assert.ok(finding, 'recall at nprobe 1 is below the line');
    assert.equal(finding.evidence.exactBasis, 'decoded');
    assert.deepEqual(finding.evidence.rebuildCauses, ['stale-codebook']);
    assert.match(finding.message, /reconstructed vectors: the quantization loss is not included .*--vectors/);
    assert.doesNotMatch(finding.message, PARAMETER_FIX, finding.message);
    assert.doesNotMatch(finding.fix, PARAMETER_FIX);
    assert.match(finding.fix, /Retrain the index/);
    // The sweep itself is kept as evidence: it is what a parameter fix would have been based on.
    const sweep = finding.evidence.sweep as { value: number; recall: number }[];
    assert.ok(Math.max(...sweep.map((point) => point.recall)) > 0.9, JSON.stringify(sweep));
  });

  test('stale IVF-PQ without queries: a passing recall over decoded vectors is not shown as a pass', async () => {
    const report = await check(file('stale-ivfpq.faiss'), cosine);
    assert.equal(severityOf(report, 'stale-codebook'), 'fail');
    const finding = annRecall(report)!;
    assert.equal(finding?.severity, 'info');
    assert.match(finding.title, /not judged/);
    assert.match(finding.message, /reconstructed vectors/);
    assert.doesNotMatch(finding.fix, PARAMETER_FIX);
    assert.ok(
      report.notes.some((note) => /reconstructed vectors/.test(note)),
      report.notes.join('\n'),
    );
  });

  test('stale IVF-PQ with --vectors: recall against the original vectors, measured with original rows as queries', async () => {
    const report = await check(file('stale-ivfpq.faiss'), { ...cosine, vectors: file('stale-originals.npy') });
    const finding = annRecall(report)!;
    assert.equal(finding.severity, 'fail');
    assert.equal(finding.evidence.exactBasis, 'reference');
    assert.equal(finding.evidence.origin, 'reference-rows');
    assert.ok((finding.evidence.recallAt10 as number) < 0.5, `true recall ${finding.evidence.recallAt10}`);
    assert.doesNotMatch(finding.message, /reconstructed vectors/);
    assert.doesNotMatch(finding.fix, PARAMETER_FIX);
  });

  test('fresh IVF-PQ at nprobe 1: the parameter fix names the setting that reaches 95%, with its interval', async () => {
    const report = await check(file('fresh-ivfpq.faiss'), { ...cosine, queries: file('queries-b.npy'), search: { nprobe: 1 } });
    assert.equal(severityOf(report, 'stale-codebook'), undefined);
    const finding = annRecall(report)!;
    const reaches = finding.evidence.reaches as Record<string, number | null>;
    assert.ok(reaches['95%'] !== null && reaches['95%']! > 1, JSON.stringify(finding.evidence));
    assert.match(finding.message, new RegExp(`Raising nprobe to ${reaches['95%']} brings it to [\\d.]+%, 95% interval [\\d.]+%–[\\d.]+%, the 95% target: a parameter fix`));
    assert.equal(finding.fix, `Set nprobe to at least ${reaches['95%']} for queries against this index.`);
    assert.match(finding.message, /reconstructed vectors/, 'PQ: the basis is still stated');

    // Without --search, the nprobe 1 in the file is FAISS's untouched default: stated, not warned.
    const unset = await check(file('fresh-ivfpq.faiss'), { ...cosine, queries: file('queries-b.npy') });
    assert.deepEqual(unset.stats.audit?.setting, { name: 'nprobe', value: 1, from: 'default' });
    const info = annRecall(unset)!;
    assert.equal(info.severity, 'info');
    assert.match(info.message, /Assumed search setting: the file stores FAISS's default nprobe 1/);
    assert.equal(unset.verdict, 'pass');
  });

  test('HNSW with M 4: when no efSearch reaches 90% the fix is a rebuild, and the best setting is named', async () => {
    const report = await check(file('hnsw-m4.faiss'), cosine);
    const finding = annRecall(report)!;
    assert.ok(finding.severity === 'warn' || finding.severity === 'fail');
    const best = finding.evidence.bestRecall as { value: number; recall: number };
    assert.ok(best.recall < 0.9, JSON.stringify(best));
    assert.doesNotMatch(finding.message, PARAMETER_FIX, finding.message);
    assert.match(finding.message, new RegExp(`No efSearch up to \\d+ reaches 90%: the best, efSearch ${best.value}, gives [\\d.]+%, 95% interval`));
    assert.match(finding.fix, /larger M and efConstruction \(this one: M 4, efConstruction 8/);
    assert.deepEqual(finding.evidence.parameter, { name: 'efSearch', current: 20, from: 'index' });
  });

  test('--search on a FAISS index audits (and gates) that value; an unknown name is a usage error', async () => {
    const report = await check(file('fresh-ivfpq.faiss'), { ...cosine, search: { nprobe: 8 } });
    assert.deepEqual(report.stats.audit?.setting, { name: 'nprobe', value: 8, from: 'option' });
    assert.equal(annRecall(report), undefined, 'nprobe 8 passes');
    await assert.rejects(check(file('fresh-ivfpq.faiss'), { ...cosine, search: { efSearch: 8 } }), UsageError);
    // The sweep doubles from the audited value, not from the one the file stores (nprobe 1).
    const from2 = await check(file('fresh-ivfpq.faiss'), { ...cosine, search: { nprobe: 2 } });
    const curve = from2.plots?.recallCurves?.find((candidate) => candidate.source === 'ann-audit');
    assert.deepEqual(
      curve?.points.map((point) => [point.x, point.current ?? false]),
      [
        [2, true],
        [4, false],
        [8, false],
        [16, false],
      ],
    );
  });
});

describe('hnswlib files: the search setting audited is the one the application uses', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-ann-setting-'));
    const source = join(dir, 'docs.npy');
    writeNpy(source, await loadRows('docs.f32.npy', 3000), 3000, DIM);
    // M 8 reaches 95% only with a wide beam: at hnswlib's default efSearch 10 it returns about 78%.
    await rebuild({ source, out: join(dir, 'docs.hnsw'), metric: 'cosine', index: 'hnsw', hnsw: { M: 8, efConstruction: 20 }, apply: true, checkBeforeAfter: false });
    mkdirSync(join(dir, 'bare'));
    copyFileSync(join(dir, 'docs.hnsw'), join(dir, 'bare', 'docs.hnsw'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an index written by rebuild is audited at the efSearch its manifest records (128), not at 10', async () => {
    const report = await check(join(dir, 'docs.hnsw'), cosine);
    assert.deepEqual(report.stats.audit?.setting, { name: 'efSearch', value: 128, from: 'manifest' });
    assert.equal(annRecall(report), undefined, `no finding at efSearch 128: ${annRecall(report)?.message}`);
    assert.equal(report.verdict, 'pass');
  });

  test('a bare hnswlib file: the assumed default is stated with the settings reaching 95% / 99%, and never warned', async () => {
    const report = await check(join(dir, 'bare', 'docs.hnsw'), cosine);
    assert.deepEqual(report.stats.audit?.setting, { name: 'efSearch', value: 10, from: 'default' });
    assert.ok(report.stats.audit!.recallAt10 < 0.9, 'the default is below the line on this graph');
    const finding = annRecall(report)!;
    assert.equal(finding.severity, 'info');
    assert.match(finding.message, /Assumed search setting: efSearch is not stored in hnswlib files; 10 is hnswlib's default/);
    assert.match(finding.message, /efSearch \d+ reaches 95% \([\d.]+%, 95% interval/);
    assert.match(finding.message, /(efSearch \d+ reaches|no efSearch up to 400 reaches) 99%/);
    assert.ok(
      report.notes.some((note) => /audited there .*Pass --search efSearch=N/.test(note)),
      report.notes.join('\n'),
    );
    assert.equal(report.verdict, 'pass');
  });

  test('--search makes the setting a gate: the same bare file at efSearch 10 warns, with the parameter fix', async () => {
    const report = await check(join(dir, 'bare', 'docs.hnsw'), { ...cosine, search: { efSearch: 10 } });
    const finding = annRecall(report)!;
    assert.ok(finding.severity === 'warn' || finding.severity === 'fail');
    assert.match(finding.message, /at efSearch 10 \(as --search sets it\)/);
    assert.match(finding.fix, /^Set efSearch to at least \d+ for queries against this index\.$/);
  });

  test('a bare file whose graph no efSearch rescues: the verdict rests on the best setting, the fix is a rebuild', async () => {
    const report = await check(fixture('low-m.hnswlib'), cosine);
    const finding = annRecall(report)!;
    assert.equal(finding.severity, 'warn', 'best efSearch gives about 60%: below 90%, above 50%');
    assert.match(finding.message, /Assumed search setting/);
    assert.match(finding.message, /No efSearch up to 400 reaches 90%/);
    assert.doesNotMatch(finding.message + finding.fix, PARAMETER_FIX);
  });

  test('the CLI: `check --search efSearch=10` gates (exit 1 under --fail-on warn), a malformed or unknown setting exits 2', () => {
    const cli = (...args: string[]): CliRun => runCliSync(['check', ...args]);
    const bare = join(dir, 'bare', 'docs.hnsw');
    assert.equal(cli(bare, '--metric', 'cosine', '--fail-on', 'warn', '-q').code, 0, 'the assumed default is not warned');
    const gated = cli(bare, '--metric', 'cosine', '--fail-on', 'warn', '--search', 'efSearch=10', '--format', 'json', '-q');
    assert.equal(gated.code, 1);
    assert.deepEqual(JSON.parse(gated.stdout).stats.audit.setting, { name: 'efSearch', value: 10, from: 'option' });
    const malformed = cli(bare, '--search', 'efSearch=ten');
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--search takes name=value with a positive integer value/);
    const unknown = cli(bare, '--search', 'ef_search=64');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unsupported search setting ef_search=64[\s\S]*hnswlib takes efSearch/);
  });

  test('rows missing from the index (count-mismatch): the fix is to re-add them, not a larger M or efSearch', async () => {
    const report = await check(fixture('missing-batch.hnswlib'), { ...cosine, vectors: fixture('reference.npy') });
    assert.equal(severityOf(report, 'count-mismatch'), 'fail');
    const finding = annRecall(report)!;
    assert.ok(finding.severity === 'warn' || finding.severity === 'fail', 'a quarter of the true neighbours are not in the index');
    assert.deepEqual(finding.evidence.rebuildCauses, ['count-mismatch']);
    assert.match(finding.message, /does not hold the --vectors rows exact search returns \(count-mismatch\): no search setting fixes that/);
    assert.match(finding.fix, /^Re-add the missing or overwritten rows/);
    assert.doesNotMatch(finding.fix, /larger M|efSearch/);
  });

  test('--search on a plain vector file is a usage error', async () => {
    await assert.rejects(check(join(dir, 'docs.npy'), { ...cosine, search: { efSearch: 64 } }), (error) => error instanceof UsageError && /has no index to search/.test(error.message));
  });
});
