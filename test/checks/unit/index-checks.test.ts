// Fast unit tests of the checks that read index structure, on hand-built artifacts (no files,
// no engines): one failing, one passing and one not-run case each, and the threshold edges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import countMismatch from '../../../src/checks/count-mismatch.js';
import emptyIndex from '../../../src/checks/empty-index.js';
import idCollision from '../../../src/checks/id-collision.js';
import type { ReferenceVectors } from '../../../src/gather/artifacts.js';
import type { IndexDescription } from '../../../src/sources/source.js';
import { artifactsOf, CheckTester, clusteredRows } from '../../helpers/check-tester.js';

const rows = clusteredRows({ count: 400, dim: 16 });

function flatIndex(overrides: Partial<IndexDescription> = {}): IndexDescription {
  return { engine: 'faiss', type: 'IndexIDMap2', metric: 'ip', metricSource: 'index', normalizesInput: false, trained: true, ntotal: rows.count, params: {}, ...overrides };
}

function ivfIndex(nlist: number, total: number): IndexDescription {
  const listSizes = Array.from({ length: nlist }, (_, list) => Math.floor(total / nlist) + (list < total % nlist ? 1 : 0));
  return flatIndex({ type: 'IndexIVFFlat', ntotal: total, ivf: { nlist, listSizes } });
}

const ids = (values: readonly bigint[]): IndexDescription['ids'] => ({ values, kind: 'idmap2' });
const rowIds = Array.from({ length: rows.count }, (_, row) => BigInt(row));

describe('empty-index', () => {
  const tester = new CheckTester(emptyIndex);

  test('an untrained index fails', () => {
    const finding = tester.finds(artifactsOf({ rows, source: { index: flatIndex({ type: 'IndexIVFFlat', trained: false }) } }), 'fail');
    assert.equal(finding.evidence.trained, false);
    assert.ok(finding.labels.includes('No.14'));
  });

  test('no vectors fails; a filled index passes', () => {
    const empty = artifactsOf({ rows: { data: new Float32Array(0), count: 0, dim: 16 }, source: { index: flatIndex({ ntotal: 0 }) } });
    assert.equal(tester.finds(empty, 'fail').evidence.rows, 0);
    tester.passes(artifactsOf({ rows, source: { index: flatIndex() } }));
  });

  test('edge: an IVF index with fewer vectors than lists fails, with as many passes', () => {
    assert.equal(tester.finds(artifactsOf({ rows, source: { rows: 399, index: ivfIndex(400, 399) } }), 'fail').evidence.nlist, 400);
    tester.passes(artifactsOf({ rows, source: { index: ivfIndex(400, 400) } }));
  });

  test('edge: lists learned from under 10% of the rows warn; from 10% they pass', () => {
    const built = (rowsAtBuild: number) => flatIndex({ type: 'ivfflat', ivf: undefined, build: { rowsAtBuild, rowsAfterBuild: rows.count - rowsAtBuild, method: 'test', listsTrained: 4 } });
    assert.equal(tester.finds(artifactsOf({ rows, source: { index: built(39) } }), 'warn').evidence.rowsAtBuild, 39);
    tester.passes(artifactsOf({ rows, source: { index: built(40) } }));
    assert.equal(tester.finds(artifactsOf({ rows, source: { index: built(3) } }), 'fail').evidence.nlist, 4);
  });
});

describe('id-collision', () => {
  const tester = new CheckTester(idCollision);

  test('one repeated id fails, with the shadowed row', () => {
    const repeated = rowIds.slice();
    repeated[7] = 3n;
    const finding = tester.finds(artifactsOf({ rows, source: { index: flatIndex({ ids: ids(repeated) }) } }), 'fail');
    assert.equal(finding.evidence.shadowedRows, 1);
    assert.equal(finding.evidence.idKind, 'idmap2');
  });

  test('a negative id (FAISS "no id") fails', () => {
    const negative = rowIds.slice();
    negative[0] = -1n;
    assert.equal(tester.finds(artifactsOf({ rows, source: { index: flatIndex({ ids: ids(negative) }) } }), 'fail').evidence.negativeIds, 1);
  });

  test('distinct ids pass, beyond 2^53 too', () => {
    tester.passes(artifactsOf({ rows, source: { index: flatIndex({ ids: ids(rowIds.map((id) => id + 2n ** 60n)) }) } }));
  });

  test('not run without an index', () => {
    tester.doesNotRun(artifactsOf({ rows }), /index file/);
  });
});

describe('count-mismatch', () => {
  const tester = new CheckTester(countMismatch);
  const reference = (overrides: Partial<ReferenceVectors> = {}): ReferenceVectors => ({
    target: 'vectors.npy',
    rows: rows.count,
    validRows: rows.count,
    dim: rows.dim,
    mapping: 'row-number',
    indexRows: rows.count,
    indexLiveRows: rows.count,
    ...overrides,
  });

  test('an index holding fewer vectors than the reference fails', () => {
    const finding = tester.finds(artifactsOf({ rows, artifacts: { reference: reference({ indexRows: 390, indexLiveRows: 390, missingIds: { count: 10, examples: ['390'] } }) } }), 'fail');
    assert.equal(finding.evidence.indexLiveRows, 390);
  });

  test('matching counts pass', () => {
    tester.passes(artifactsOf({ rows, artifacts: { reference: reference() } }));
  });

  test('edge: overwritten vectors fail from 3 and 1% of the compared ids, not below', () => {
    const content = (differing: number) => ({ compared: 300, differing, examples: [{ id: '5', cosine: 0.1 }] });
    assert.ok(tester.finds(artifactsOf({ rows, artifacts: { reference: reference({ content: content(3) }) } }), 'fail').evidence.overwritten);
    tester.passes(artifactsOf({ rows, artifacts: { reference: reference({ content: content(2) }) } }));
  });

  test('not run without --vectors', () => {
    tester.doesNotRun(artifactsOf({ rows, source: { index: flatIndex() } }), /--vectors/);
  });
});
