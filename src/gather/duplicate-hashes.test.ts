import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../math/rng.js';
import { DuplicateHashes } from './duplicate-hashes.js';

/** A stream of (hash, row) with known copies: `copies[i]` rows share content i, the rest are unique. */
function stream(uniqueRows: number, copies: readonly number[], seed: number): { low: number; high: number; row: number }[] {
  const rng = new Rng(seed);
  const contents = [...copies.flatMap((count, i) => Array.from({ length: count }, () => i)), ...Array.from({ length: uniqueRows }, (_, i) => copies.length + i)];
  // Shuffle so copies are spread over the stream.
  for (let i = contents.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [contents[i], contents[j]] = [contents[j] as number, contents[i] as number];
  }
  const hashes = new Map<number, { low: number; high: number }>();
  return contents.map((content, row) => {
    let hash = hashes.get(content);
    if (!hash) {
      hash = { low: rng.nextUint32(), high: rng.nextUint32() };
      hashes.set(content, hash);
    }
    return { ...hash, row };
  });
}

function build(items: readonly { low: number; high: number; row: number }[], capacity?: number): DuplicateHashes {
  const table = new DuplicateHashes(capacity);
  for (const { low, high, row } of items) table.add(low, high, row);
  return table;
}

test('exact while small: counts, groups and the first rows of the largest groups', () => {
  const items = stream(5000, [7, 3, 3, 2], 1);
  const summary = build(items).summary();
  assert.equal(summary.keepRate, 1);
  assert.equal(summary.rowsHashed, 5015);
  assert.equal(summary.duplicateRows, 6 + 2 + 2 + 1);
  assert.equal(summary.groups, 4);
  // Brute force: rows per hash, groups by size then first row, first five rows each.
  const rowsByHash = new Map<string, number[]>();
  for (const { low, high, row } of items) rowsByHash.set(`${low}:${high}`, [...(rowsByHash.get(`${low}:${high}`) ?? []), row]);
  const expected = [...rowsByHash.values()]
    .filter((rows) => rows.length > 1)
    .sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number))
    .map((rows) => ({ size: rows.length, rows: rows.slice(0, 5) }));
  assert.deepEqual(summary.largestGroups, expected);
});

test('past capacity it keeps a power-of-½ share of hashes, bounded, and estimates the duplicates', () => {
  const capacity = 2048;
  // 3000 contents copied twice (3000 duplicate rows) among 40,000 unique rows.
  const items = stream(
    40_000,
    Array.from({ length: 3000 }, () => 2),
    2,
  );
  const table = build(items, capacity);
  const summary = table.summary();
  assert.ok(summary.keepRate < 1 && summary.keepRate >= 1 / 64, `keep rate ${summary.keepRate}`);
  assert.ok(table.state().counts.length <= capacity, 'never more than capacity hashes kept');
  // Kept pairs follow a binomial(3000, keepRate): the estimate is within 5 standard errors.
  const expectedKept = 3000 * summary.keepRate;
  const standardError = Math.sqrt(expectedKept * (1 - summary.keepRate)) / summary.keepRate;
  assert.ok(Math.abs(summary.duplicateRows - 3000) <= 5 * standardError, `estimated ${summary.duplicateRows} of 3000 (±${standardError.toFixed(0)})`);
});

test('tables of consecutive parts, absorbed in order, equal one pass over the whole stream', () => {
  for (const capacity of [1 << 20, 4096, 300]) {
    const items = stream(20_000, [50, 9, 9, 4, 4, 2, 2, 2], 3);
    const whole = build(items, capacity);
    for (const cuts of [[10_000], [1, 7000, 7001, 15_000], [19_000]]) {
      const bounds = [0, ...cuts, items.length];
      const merged = new DuplicateHashes(capacity);
      for (let p = 0; p + 1 < bounds.length; p++) merged.absorb(build(items.slice(bounds[p], bounds[p + 1]), capacity).state());
      assert.deepEqual(merged.summary(), whole.summary(), `capacity ${capacity}, cuts ${cuts.join(',')}`);
    }
  }
});

test('after thinning the table holds exactly the hashes that pass the keep filter, with full counts', () => {
  const items = stream(
    30_000,
    Array.from({ length: 500 }, (_, i) => 2 + (i % 7)),
    4,
  );
  const table = build(items, 1000);
  const state = table.state();
  const shift = state.shift;
  assert.ok(shift > 0);
  const expected = new Map<string, { count: number; first: number }>();
  for (const { low, high, row } of items) {
    if (high >>> (32 - shift) !== 0) continue;
    const key = `${low >>> 0}:${high >>> 0}`;
    const entry = expected.get(key) ?? { count: 0, first: row };
    entry.count++;
    expected.set(key, entry);
  }
  const actual = new Map<string, { count: number; first: number }>();
  state.counts.forEach((count, i) => actual.set(`${state.hashLow[i]}:${state.hashHigh[i]}`, { count, first: state.firstRows[i] as number }));
  assert.deepEqual(actual, expected);
});

test('reading the table mid-stream (which inserts the queued hashes) changes nothing that follows', () => {
  for (const capacity of [1 << 20, 700]) {
    const items = stream(12_000, [40, 6, 3, 3, 2], 5);
    const whole = build(items, capacity).summary();
    const table = new DuplicateHashes(capacity);
    items.forEach(({ low, high, row }, i) => {
      table.add(low, high, row);
      if (i % 997 === 0) table.summary();
    });
    assert.deepEqual(table.summary(), whole, `capacity ${capacity}`);
  }
});

test('row numbers past 2^32 are refused rather than cut', () => {
  const table = new DuplicateHashes();
  table.add(1, 2, 2 ** 32 - 1);
  assert.deepEqual(table.summary().rowsHashed, 1);
  table.add(3, 4, 2 ** 32);
  assert.throws(() => table.summary(), RangeError);
});
