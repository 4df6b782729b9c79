import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from './rng.js';
import { ExactTopKStream } from './streaming-top-k.js';
import { exactSearchReference as exactSearch } from './top-k.js';

const DIM = 24;
const ROWS = 1500;
const QUERIES = 17;

function gaussian(count: number, rng: Rng): Float32Array {
  const data = new Float32Array(count * DIM);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextGaussian() * (1 + (i % 7) / 7);
  return data;
}

for (const metric of ['cosine', 'l2', 'ip'] as const) {
  test(`${metric}: blocks of any size give the in-memory exact search's lists`, () => {
    const rng = new Rng(42);
    const base = gaussian(ROWS, rng);
    // Exact copies of row 3: ties that must resolve to the lowest row, as exactSearch does.
    for (const copy of [500, 900]) base.copyWithin(copy * DIM, 3 * DIM, 4 * DIM);
    base.fill(0, 10 * DIM, 11 * DIM);
    const queries = gaussian(QUERIES, rng);
    queries.set(base.subarray(3 * DIM, 4 * DIM), 0);
    const expected = exactSearch({ data: queries, count: QUERIES, dim: DIM }, { data: base, count: ROWS, dim: DIM }, { metric, k: 10 });
    const stream = new ExactTopKStream({ data: queries, count: QUERIES, dim: DIM }, { metric, k: 10 });
    for (let start = 0, size = 1; start < ROWS; start += size, size = (size * 3) % 401 || 1) {
      const count = Math.min(size, ROWS - start);
      stream.add(
        base.slice(start * DIM, (start + count) * DIM),
        count,
        Array.from({ length: count }, (_, i) => `id${start + i}`),
      );
    }
    const lists = stream.result();
    // Query 0 is row 3, stored three times: the copies tie, and the kernel's rounding may differ by
    // a unit in the last place with a row's position in its block, so their order is free.
    assert.deepEqual(new Set(lists[0]?.slice(0, 3)), new Set(['id3', 'id500', 'id900']));
    assert.deepEqual(
      lists[0]?.slice(3),
      Array.from(expected.ids.subarray(3, 10), (row) => `id${row}`),
    );
    for (let q = 1; q < QUERIES; q++) {
      assert.deepEqual(
        lists[q],
        Array.from(expected.ids.subarray(q * 10, (q + 1) * 10), (row) => `id${row}`),
        `${metric} query ${q}`,
      );
    }
    if (metric === 'cosine') assert.ok(!lists.flat().includes('id10'), 'a zero row never ranks under cosine');
  });
}
