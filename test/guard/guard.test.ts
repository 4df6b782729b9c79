import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { BadRowError, createGuard, reconcile } from '../../src/guard/index.js';
import { VectorclinicError } from '../../src/errors.js';

const norm = (row: ArrayLike<number>): number => Math.sqrt(Array.from(row).reduce((sum, v) => sum + v * v, 0));

test('normalizes raw rows once and keeps already-unit rows bit for bit', () => {
  const guard = createGuard({ dim: 3, metric: 'cosine' });
  const unit = [0.6, 0.8, 0];
  const { accepted, report } = guard.check([[3, 4, 0], unit, [0, 0, 2]]);
  assert.equal(accepted.count, 3);
  assert.deepEqual(Array.from(accepted.data.subarray(0, 3)), Array.from(new Float32Array([0.6, 0.8, 0])));
  assert.deepEqual(Array.from(accepted.data.subarray(3, 6)), Array.from(new Float32Array(unit)));
  assert.equal(report.normalization.rescaled, 2);
  assert.equal(report.normalization.alreadyUnit, 1);
  // Feeding the output back in changes nothing: the guard never normalizes twice.
  const again = createGuard({ dim: 3, metric: 'cosine' }).check(accepted.data);
  assert.equal(again.report.normalization.rescaled, 0);
  assert.equal(again.accepted.data, accepted.data, 'unchanged batches are returned without a copy');
});

test("into: accepted rows land in the caller's buffer, identical to a fresh matrix; a short buffer is a usage error", () => {
  const rows = [
    [3, 4, 0],
    [0, 0, 0],
    [0.6, 0.8, 0],
    [1, Number.NaN, 0],
    [0, 0, 2],
  ];
  const fresh = createGuard({ dim: 3, metric: 'cosine' }).check(rows);
  const into = new Float32Array(5 * 3).fill(-1);
  const reused = createGuard({ dim: 3, metric: 'cosine' }).check(rows, { into });
  assert.equal(reused.accepted.data.buffer, into.buffer, 'a view of the buffer passed in');
  assert.deepEqual(Array.from(reused.accepted.data), Array.from(fresh.accepted.data));
  assert.deepEqual(Array.from(into.subarray(9)), [-1, -1, -1, -1, -1, -1], 'nothing written past the accepted rows');
  // Without normalization the dropped rows are squeezed out the same way.
  const kept = createGuard({ dim: 3, metric: 'l2' }).check(rows, { into });
  assert.deepEqual(Array.from(kept.accepted.data), [3, 4, 0, 0.6000000238418579, 0.800000011920929, 0, 0, 0, 2]);
  assert.throws(() => createGuard({ dim: 3, metric: 'cosine' }).check(rows, { into: new Float32Array(14) }), /the output buffer holds 14 floats, 5 rows × 3 need 15/);
});

test('rejects zero and non-finite rows with row, id and cause; ingested = accepted + rejected', () => {
  const guard = createGuard({ dim: 4, metric: 'l2' });
  const rows = [
    [1, 2, 3, 4],
    [0, 0, 0, 0],
    [1, Number.NaN, 3, 4],
    [1, 2, Infinity, -Infinity],
    [5, 6, 7, 8],
  ];
  const { accepted, rejected, report } = guard.check(rows, { ids: ['a', 'b', 'c', 'd', 'e'], batchId: 'b1' });
  assert.deepEqual(accepted.ids, ['a', 'e']);
  assert.deepEqual(Array.from(accepted.rows), [0, 4]);
  assert.deepEqual(
    rejected.map((r) => [r.row, r.id, r.cause]),
    [
      [1, 'b', 'zero'],
      [2, 'c', 'nonfinite'],
      [3, 'd', 'nonfinite'],
    ],
  );
  assert.match(rejected[2]!.detail, /0 NaN and 2 infinite/);
  assert.equal(report.ingested, report.accepted + report.rejected);
  assert.equal(report.normalization.applied, false, 'l2 does not normalize by default');
  assert.deepEqual(Array.from(accepted.data.subarray(4, 8)), [5, 6, 7, 8]);
});

test('asserts the dimension contract on every batch and logs it with the batch id', () => {
  const lines: string[] = [];
  const guard = createGuard({ dim: 3, metric: 'cosine', log: (line) => lines.push(line) });
  const { rejected, report } = guard.check(
    [
      [1, 0, 0],
      [1, 0],
      [0, 1, 0, 0],
    ],
    { batchId: 'nightly-7' },
  );
  assert.deepEqual(
    rejected.map((r) => [r.row, r.cause]),
    [
      [1, 'dimension'],
      [2, 'dimension'],
    ],
  );
  assert.equal(report.dimension.ok, false);
  assert.deepEqual([...report.dimension.found].sort(), [2, 3, 4]);
  assert.match(lines[0]!, /batch nightly-7: dim 3 VIOLATED/);
  const matrix = guard.check({ data: new Float32Array(8), rows: 2, dim: 4 });
  assert.equal(matrix.report.causes.dimension, 2);
  assert.throws(
    () => guard.check(new Float32Array(7)),
    (error: unknown) => VectorclinicError.isInstance(error) && /not a whole number of 3-dim rows/.test(error.message),
  );
});

test('flags exact copies of rows seen in earlier batches, or rejects them on request', () => {
  const flagging = createGuard({ dim: 2, metric: 'ip' });
  flagging.check(
    [
      [1, 2],
      [3, 4],
    ],
    { ids: ['x', 'y'] },
  );
  const second = flagging.check(
    [
      [3, 4],
      [5, 6],
      [5, 6],
    ],
    { ids: ['z', 'w', 'v'] },
  );
  assert.equal(second.accepted.count, 3);
  assert.deepEqual(second.report.duplicates.first, [
    { id: 'z', duplicateOf: 'y' },
    { id: 'v', duplicateOf: 'w' },
  ]);
  const rejecting = createGuard({ dim: 2, metric: 'ip', duplicates: 'reject' });
  const result = rejecting.check([
    [1, 2],
    [1, 2],
  ]);
  assert.deepEqual(
    result.rejected.map((r) => [r.cause, r.duplicateOf]),
    [['duplicate', 0]],
  );
});

test('reports ids that already exist instead of overwriting them', () => {
  const guard = createGuard({ dim: 2, metric: 'cosine', knownIds: ['doc-1'] });
  const first = guard.check(
    [
      [1, 0],
      [0, 1],
    ],
    { ids: ['doc-1', 'doc-2'] },
  );
  assert.deepEqual(
    first.rejected.map((r) => [r.id, r.cause]),
    [['doc-1', 'existing-id']],
  );
  const second = guard.check(
    [
      [1, 1],
      [2, 1],
      [3, 1],
    ],
    { ids: ['doc-2', 'doc-3', 'doc-3'] },
  );
  assert.deepEqual(
    second.rejected.map((r) => [r.id, r.cause]),
    [
      ['doc-2', 'existing-id'],
      ['doc-3', 'existing-id'],
    ],
  );
  assert.deepEqual(second.accepted.ids, ['doc-3']);
});

test("onBad 'throw' refuses the whole batch and leaves no trace", () => {
  const guard = createGuard({ dim: 2, metric: 'cosine', onBad: 'throw' });
  assert.throws(
    () =>
      guard.check(
        [
          [1, 2],
          [0, 0],
        ],
        { ids: ['ok', 'empty'], batchId: 'b9' },
      ),
    (error: unknown) => error instanceof BadRowError && error.reason === 'zero' && error.row === 1 && error.id === 'empty' && /batch b9 refused/.test(error.message),
  );
  assert.equal(guard.totals().ingested, 0);
  const retry = guard.check([[1, 2]], { ids: ['ok'] });
  assert.equal(retry.report.duplicates.flagged, 0, 'content from the refused batch was forgotten');
  assert.equal(retry.rejected.length, 0, 'ids from the refused batch were not recorded');
});

test('quarantine appends rejected rows and reasons to a JSONL file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-guard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bad.jsonl');
  const guard = createGuard({ dim: 2, metric: 'cosine', onBad: 'quarantine', quarantine: path });
  guard.check(
    [
      [1, Number.NaN],
      [1, 1],
    ],
    { ids: ['n', 'g'], batchId: 'a' },
  );
  guard.check([[0, 0]], { ids: ['z'], batchId: 'b' });
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((l) => [l.batch, l.row, l.id, l.cause]),
    [
      ['a', 0, 'n', 'nonfinite'],
      ['b', 0, 'z', 'zero'],
    ],
  );
  assert.deepEqual(lines[0].vector, [1, 'NaN']);
  // TypeScript refuses this call; plain JavaScript gets a clear error.
  // @ts-expect-error onBad 'quarantine' requires the quarantine path
  assert.throws(() => createGuard({ dim: 2, metric: 'cosine', onBad: 'quarantine' }), /needs a quarantine file/);
});

test('reconcile: the store must grow by exactly the accepted rows', () => {
  const guard = createGuard({ dim: 2, metric: 'cosine' });
  const { report } = guard.check([
    [1, 0],
    [0, 0],
    [0, 1],
  ]);
  assert.equal(reconcile(report, { before: 10, after: 12 }).ok, true);
  const dropped = reconcile(report, { before: 10, after: 11 });
  assert.equal(dropped.ok, false);
  assert.match(dropped.problems[0]!, /grew by 1, not 2/);
  assert.equal(reconcile(guard.totals(), { before: 0, after: 2 }).balanced, true);
});

test('property: every row is accepted or rejected, and accepted rows are finite unit vectors', () => {
  const value = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, Number.NaN, Infinity));
  fc.assert(
    fc.property(fc.array(fc.array(value, { minLength: 3, maxLength: 4 }), { maxLength: 30 }), (rows) => {
      const guard = createGuard({ dim: 3, metric: 'cosine' });
      const { accepted, rejected, report } = guard.check(rows);
      assert.equal(accepted.count + rejected.length, rows.length);
      assert.equal(report.ingested, rows.length);
      for (let i = 0; i < accepted.count; i++) {
        const row = accepted.data.subarray(i * 3, i * 3 + 3);
        assert.ok(Array.from(row).every(Number.isFinite));
        assert.ok(Math.abs(norm(row) - 1) < 1e-3, `row ${i} has norm ${norm(row)}`);
      }
    }),
    { seed: 42, numRuns: 200 },
  );
});
