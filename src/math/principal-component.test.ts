import assert from 'node:assert/strict';
import { test } from 'node:test';
import { principalShares } from './principal-component.js';
import { Rng } from './rng.js';

/** Gaussian rows with the given standard deviation along each axis (plus an optional common offset). */
function axisGaussian(count: number, deviations: readonly number[], seed: number, offset = 0): Float32Array {
  const rng = new Rng(seed);
  const dim = deviations.length;
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = rng.nextGaussian() * (deviations[j] as number) + offset;
  return data;
}

test('recovers the variance shares of axis-aligned Gaussian data', () => {
  const deviations = [4, 3, 2, 1, 1, 1, 0.5, 0.5];
  const total = deviations.reduce((sum, s) => sum + s * s, 0);
  const { centered } = principalShares(axisGaussian(6000, deviations, 7), 6000, deviations.length, 4);
  assert.equal(centered.length, 4);
  [16, 9, 4].forEach((variance, i) => assert.ok(Math.abs((centered[i] as number) - variance / total) < 0.015, `share ${i}: ${centered[i]} vs ${variance / total}`));
  for (let i = 1; i < centered.length; i++) assert.ok((centered[i] as number) <= (centered[i - 1] as number) + 1e-9, 'shares are sorted');
});

test('a common offset dominates the uncentered first component but not the centered one', () => {
  const deviations = Array.from({ length: 16 }, () => 1);
  const { centered, uncentered } = principalShares(axisGaussian(3000, deviations, 3, 2), 3000, 16, 3);
  // Offset 2 in every coordinate: the mean direction carries 16·4 of 16·4 + 16 total: 0.8.
  assert.ok(Math.abs((uncentered[0] as number) - 0.8) < 0.02, `uncentered ${uncentered[0]}`);
  assert.ok((centered[0] as number) < 0.1, `centered ${centered[0]}`);
});

test('the Gram path (fewer rows than dimensions) gives the same shares as the scatter path', () => {
  const dim = 96;
  const deviations = Array.from({ length: dim }, (_, j) => 3 / (1 + j));
  const rows = 40;
  const data = axisGaussian(rows, deviations, 11);
  const gram = principalShares(data, rows, dim, 10);
  // Repeating every row three times scales the scatter by 3 and keeps the mean: same shares, scatter path.
  const tripled = new Float32Array(rows * 3 * dim);
  for (let copy = 0; copy < 3; copy++) tripled.set(data, copy * rows * dim);
  const scatter = principalShares(tripled, rows * 3, dim, 10);
  for (let c = 0; c < 10; c++) {
    assert.ok(Math.abs((gram.centered[c] as number) - (scatter.centered[c] as number)) < 1e-3, `centered ${c}`);
    assert.ok(Math.abs((gram.uncentered[c] as number) - (scatter.uncentered[c] as number)) < 1e-3, `uncentered ${c}`);
  }
  // 40 centered rows span at most 39 directions: all of their shares add up to 1.
  const all = principalShares(data, rows, dim, 40).centered;
  assert.ok(Math.abs(all.reduce((sum, s) => sum + s, 0) - 1) < 5e-3);
});

test('returns nothing for constant or too-small data', () => {
  assert.deepEqual(principalShares(new Float32Array(12).fill(1), 3, 4, 3).centered, []);
  assert.deepEqual(principalShares(new Float32Array(4), 1, 4, 3).centered, []);
});
