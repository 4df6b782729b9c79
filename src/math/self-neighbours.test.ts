import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rows } from '../core/rows.js';
import { jsKernels, kernels, useKernels } from './kernels.js';
import { Rng } from './rng.js';
import { selfNeighbourLists } from './self-neighbours.js';
import { exactSearchReference } from './top-k-reference.js';

/** Unit rows with exact duplicates and a coarse grid of values, so equal scores (ties) are common. */
function rowsWithTies(count: number, dim: number, seed: number): Rows {
  const rng = new Rng(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    if (i > 0 && rng.nextFloat() < 0.2) {
      const source = rng.nextInt(i);
      data.copyWithin(i * dim, source * dim, (source + 1) * dim);
      continue;
    }
    for (let j = 0; j < dim; j++) data[i * dim + j] = Math.round(rng.nextGaussian() * 2) / 2;
  }
  return { data, count, dim };
}

function gaussianRows(count: number, dim: number, seed: number): Rows {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: count * dim }, () => rng.nextGaussian()), count, dim };
}

/** The full score matrix, the row itself excluded: what the lists must equal, ties included. */
function fullMatrixLists(rows: Rows, k: number): Int32Array {
  return exactSearchReference(rows, rows, { metric: 'ip', k: Math.min(k, rows.count - 1), exclude: (query, row) => query === row }).ids;
}

for (const kernel of ['default', 'js'] as const) {
  test(`selfNeighbourLists equals the full score matrix's lists, ties and odd sizes included (${kernel} kernels)`, () => {
    const saved = kernels();
    if (kernel === 'js') useKernels(jsKernels);
    try {
      for (const [count, dim, k] of [
        [2, 3, 10],
        [7, 5, 3],
        [65, 8, 10],
        [129, 67, 10],
        [301, 64, 10],
        [200, 16, 1],
      ] as const) {
        for (const rows of [rowsWithTies(count, dim, count + dim), gaussianRows(count, dim, count * dim)]) {
          assert.deepEqual(selfNeighbourLists(rows, k), fullMatrixLists(rows, k), `${count} × ${dim}, k ${k}`);
        }
      }
    } finally {
      useKernels(saved);
    }
  });
}

test('selfNeighbourLists: one row has no neighbours, NaN scores never rank, short lists end in -1', () => {
  assert.deepEqual(selfNeighbourLists({ data: new Float32Array([1, 0]), count: 1, dim: 2 }, 10), new Int32Array(0));
  // Row 1 is NaN: rows 0 and 2 have each other only.
  const rows = { data: new Float32Array([1, 0, Number.NaN, 0, 0.5, 0.5]), count: 3, dim: 2 };
  assert.deepEqual(selfNeighbourLists(rows, 2), new Int32Array([2, -1, -1, -1, 0, -1]));
});
