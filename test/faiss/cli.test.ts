import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import { type CliRun, runCliSync } from '../helpers/cli.js';
import { fixturePath } from './fixtures.js';

const dir = mkdtempSync(`${tmpdir()}/vectorclinic-faiss-cli-`);
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): CliRun => runCliSync(['check', ...args]);

test('check on a clean FAISS index exits 0 with a JSON report', () => {
  const { code, stdout } = cli(fixturePath('hnsw_ip_unit'), '--metric', 'cosine', '--dim', '128', '--format', 'json');
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.kind, 'faiss');
  assert.equal(report.stats.index.type, 'IndexHNSWFlat');
  assert.notEqual(report.verdict, 'fail');
});

test('check on a broken FAISS index exits 1 and names the code', () => {
  const { code, stdout } = cli(fixturePath('pq_stale'), '--metric', 'cosine', '--dim', '128', '--format', 'json');
  assert.equal(code, 1);
  assert.ok(JSON.parse(stdout).findings.some((finding: { code: string; severity: string }) => finding.code === 'stale-codebook' && finding.severity === 'fail'));
});

test('truncated, unknown and oversized FAISS files exit 2 with one located message and no stack trace', () => {
  const original = readFileSync(fixturePath('ivfpq_l2_unit'));
  const truncated = `${dir}/truncated.faiss`;
  writeFileSync(truncated, original.subarray(0, 5000));
  const unknown = `${dir}/unknown.faiss`;
  writeFileSync(unknown, Buffer.concat([Buffer.from('QQQQ'), original.subarray(4, 200)]));
  const huge = `${dir}/huge.faiss`;
  const bytes = new Uint8Array(readFileSync(fixturePath('flat_ip_unit')));
  new DataView(bytes.buffer).setBigUint64(8, 2n ** 40n, true);
  writeFileSync(huge, bytes);
  const cases: [string, RegExp][] = [
    [truncated, /truncated\.faiss \(byte \d+\): .*remain in the file/],
    [unknown, /unknown\.faiss \(byte 0\): unknown FAISS type code 'QQQQ'/],
    [huge, /huge\.faiss \(byte 37\): the vectors of IndexFlatIP: the file stores 38400 elements where 140737488355328 were expected/],
  ];
  for (const [path, message] of cases) {
    const { code, stdout, stderr } = cli(path, '--metric', 'cosine', '--dim', '128');
    assert.equal(code, 2, `${path}: ${stderr}`);
    assert.equal(stdout, '');
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.ok(stderr.trim().split('\n').length <= 2, 'one line, plus the fix');
  }
});
