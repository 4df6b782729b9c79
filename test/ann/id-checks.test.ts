import assert from 'node:assert/strict';
import { test } from 'node:test';
import countMismatch from '../../src/checks/count-mismatch.js';
import idCollision from '../../src/checks/id-collision.js';
import { createContext } from '../../src/checks/runner.js';
import type { CheckResult } from '../../src/checks/check.js';
import type { Artifacts, ReferenceVectors } from '../../src/gather/artifacts.js';
import type { IdDescription, IndexDescription } from '../../src/sources/source.js';

/** These checks read one artifact each: the rest of Artifacts stays out of the way. */
function runIdCollision(ids: IdDescription | undefined, ntotal: number, params: IndexDescription['params'] = {}): CheckResult[] {
  const index: IndexDescription = { engine: 'test', type: 'flat', metricSource: 'index', normalizesInput: false, trained: true, ntotal, params, ...(ids ? { ids } : {}) };
  const result = idCollision.run({ index } as unknown as Artifacts, createContext());
  return result === null ? [] : Array.isArray(result) ? [...result] : [result as CheckResult];
}

function runCountMismatch(reference: ReferenceVectors): CheckResult[] {
  const result = countMismatch.run({ reference } as unknown as Artifacts, createContext());
  return result === null ? [] : Array.isArray(result) ? [...result] : [result as CheckResult];
}

test('id-collision: distinct ids pass', () => {
  assert.deepEqual(runIdCollision({ values: BigInt64Array.from([0n, 1n, 2n, 5n]), kind: 'idmap' }, 4), []);
});

test('id-collision: one repeated id fails, with the rows carrying it', () => {
  const [finding, ...rest] = runIdCollision({ values: BigInt64Array.from([10n, 11n, 12n, 11n]), kind: 'idmap2' }, 4);
  assert.equal(rest.length, 0);
  assert.equal(finding!.severity, 'fail');
  assert.equal(finding!.evidence.repeatedIds, 1);
  assert.equal(finding!.evidence.shadowedRows, 1);
  assert.deepEqual(finding!.evidence.examples, [{ id: '11', vectors: 2, rows: [1, 3] }]);
});

test('id-collision: ids beyond 2^53 are compared exactly, never through Number', () => {
  const base = 2n ** 60n;
  // As JavaScript numbers 2^60 + 1 and 2^60 + 2 are the same value; as ids they are different.
  assert.equal(Number(base + 1n), Number(base + 2n));
  assert.deepEqual(runIdCollision({ values: BigInt64Array.from([base + 1n, base + 2n, base + 3n]), kind: 'idmap' }, 3), []);
  const [finding] = runIdCollision({ values: BigInt64Array.from([base + 1n, base + 2n, base + 1n]), kind: 'idmap' }, 3);
  assert.deepEqual(finding!.evidence.examples, [{ id: String(base + 1n), vectors: 2, rows: [0, 2] }]);
});

test('id-collision: unsigned labels above 2^63 print as unsigned, plain bigint arrays work too', () => {
  const top = 2n ** 64n - 2n;
  const [finding] = runIdCollision({ values: BigInt64Array.from([BigInt.asIntN(64, top), 0n, BigInt.asIntN(64, top)]), kind: 'labels' }, 3);
  assert.equal((finding!.evidence.examples as { id: string }[])[0]!.id, top.toString());
  assert.equal(runIdCollision({ values: [3n, 4n, 3n], kind: 'primary-key' }, 3)[0]!.severity, 'fail');
});

test("id-collision: FAISS's -1 'no id' and an id map shorter than ntotal fail", () => {
  const results = runIdCollision({ values: BigInt64Array.from([0n, -1n, 2n]), kind: 'idmap' }, 4);
  assert.equal(results.length, 2);
  assert.ok(results.every((result) => result.severity === 'fail'));
  assert.equal(results[0]!.evidence.noIdRows, 1);
  assert.match(results[1]!.message, /3 ids for 4 vectors/);
});

test('id-collision: repeated keys in a multi-key index are info, not a failure', () => {
  const [finding] = runIdCollision({ values: BigInt64Array.from([1n, 1n, 2n]), kind: 'labels' }, 3, { multi: true });
  assert.equal(finding!.severity, 'info');
});

test('id-collision: an index without ids has nothing to check', () => {
  assert.deepEqual(runIdCollision(undefined, 10), []);
});

const agreeing: ReferenceVectors = {
  target: 'vectors.npy',
  rows: 100,
  validRows: 100,
  dim: 8,
  mapping: 'row-number',
  indexRows: 100,
  indexLiveRows: 100,
  missingIds: { count: 0, examples: [] },
  extraIds: { count: 0, examples: [] },
  content: { compared: 100, differing: 0, examples: [] },
};

test('count-mismatch: an index holding exactly the reference passes', () => {
  assert.deepEqual(runCountMismatch(agreeing), []);
  // Rows the reader marks invalid (all-zero) may legitimately be left out of the index.
  assert.deepEqual(runCountMismatch({ ...agreeing, validRows: 97, indexRows: 97, indexLiveRows: 97 }), []);
});

test('count-mismatch: missing rows fail with their ids', () => {
  const [finding] = runCountMismatch({ ...agreeing, indexRows: 90, indexLiveRows: 90, missingIds: { count: 10, examples: ['90', '91'] } });
  assert.equal(finding!.severity, 'fail');
  assert.match(finding!.message, /10 fewer/);
  assert.match(finding!.message, /ids 90, 91/);
});

test('count-mismatch: rows added twice fail as extra ids', () => {
  const [finding] = runCountMismatch({ ...agreeing, indexRows: 120, indexLiveRows: 120, extraIds: { count: 20, examples: ['100'] } });
  assert.match(finding!.message, /20 more/);
});

test('count-mismatch: overwritten vectors fail even when the counts agree; a couple of near-misses do not', () => {
  const [finding] = runCountMismatch({ ...agreeing, content: { compared: 100, differing: 30, examples: [{ id: '4', cosine: 0.71 }] } });
  assert.match(finding!.message, /30 of 100 sampled ids/);
  assert.deepEqual(runCountMismatch({ ...agreeing, content: { compared: 1000, differing: 2, examples: [{ id: '4', cosine: 0.97 }] } }), []);
});
