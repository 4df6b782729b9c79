import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentShares, firstComponentShare } from './principal-component.js';
import { Rng } from './rng.js';

/** Gaussian rows with the given standard deviation along each axis. */
function axisGaussian(count: number, deviations: readonly number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  const dim = deviations.length;
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = rng.nextGaussian() * (deviations[j] as number);
  return data;
}

test('componentShares recovers the variance shares of axis-aligned Gaussian data', () => {
  const deviations = [4, 3, 2, 1, 1, 1, 0.5, 0.5];
  const total = deviations.reduce((sum, s) => sum + s * s, 0);
  const shares = componentShares(axisGaussian(6000, deviations, 7), 6000, deviations.length, { centered: true, components: 4 });
  assert.equal(shares.length, 4);
  [16, 9, 4].forEach((variance, i) => assert.ok(Math.abs((shares[i] as number) - variance / total) < 0.015, `share ${i}: ${shares[i]} vs ${variance / total}`));
  for (let i = 1; i < shares.length; i++) assert.ok((shares[i] as number) <= (shares[i - 1] as number) + 1e-9, 'shares are sorted');
});

test('the Gram path (fewer rows than dimensions) agrees with power iteration on the rows', () => {
  const dim = 96;
  const deviations = Array.from({ length: dim }, (_, j) => 3 / (1 + j));
  const data = axisGaussian(40, deviations, 11);
  const shares = componentShares(data, 40, dim, { centered: true, components: 10 });
  const pc1 = firstComponentShare(data, 40, dim, { centered: true, iterations: 500 });
  assert.ok(Math.abs((shares[0] as number) - pc1) < 1e-3, `${shares[0]} vs ${pc1}`);
  // 40 centered rows span at most 39 directions: the shares of all of them add up to 1.
  const all = componentShares(data, 40, dim, { centered: true, components: 40 });
  assert.ok(Math.abs(all.reduce((sum, s) => sum + s, 0) - 1) < 5e-3);
});

test('componentShares returns nothing for constant or too-small data', () => {
  assert.deepEqual(componentShares(new Float32Array(12).fill(1), 3, 4, { centered: true, components: 3 }), []);
  assert.deepEqual(componentShares(new Float32Array(4), 1, 4, { centered: true, components: 3 }), []);
});
