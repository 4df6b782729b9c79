import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachClosePair } from '../../src/math/close-pairs.js';
import { kernels } from '../../src/math/kernels.js';
import { Rng } from '../../src/math/rng.js';
import { normalizedCopy } from '../../src/math/vectors.js';

/** `count` random unit rows; `copies` of them followed by a slightly moved copy (cosine ~0.998). */
function rows(count: number, dim: number, options: { readonly seed: number; readonly copies?: number; readonly spread?: number; readonly center?: number }): Float32Array {
  const rng = new Rng(options.seed);
  const data = new Float32Array(count * dim);
  const center = Array.from({ length: dim }, () => rng.nextGaussian());
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = (options.center ?? 0) * (center[j] as number) + (options.spread ?? 1) * rng.nextGaussian();
  for (let c = 0; c < (options.copies ?? 0); c++) {
    const from = 2 * c;
    for (let j = 0; j < dim; j++) data[(from + 1) * dim + j] = (data[from * dim + j] as number) * (1 + 0.04 * rng.nextGaussian());
  }
  return normalizedCopy(data, count, dim);
}

/** Every pair with cosine ≥ minCosine, summed in float64 (what the prefilter must not lose). */
function bruteForce(unit: Float32Array, count: number, dim: number, minCosine: number): string[] {
  const pairs: string[] = [];
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += (unit[a * dim + j] as number) * (unit[b * dim + j] as number);
      if (sum >= minCosine) pairs.push(`${a},${b}`);
    }
  }
  return pairs;
}

function found(unit: Float32Array, count: number, dim: number, minCosine: number): string[] {
  const pairs: string[] = [];
  forEachClosePair(unit, count, dim, minCosine, (a, b) => {
    assert.ok(a < b, `pair ${a},${b} in order`);
    pairs.push(`${a},${b}`);
  });
  return pairs.sort();
}

test('close pairs are exactly the brute-force pairs, through the prefilter (128-d and 768-d) and without it (24-d)', () => {
  for (const [dim, count] of [
    [128, 700],
    [768, 300],
    [24, 400],
  ] as const) {
    const unit = rows(count, dim, { seed: dim, copies: 60 });
    for (const minCosine of [0.995, 0.99, 0.9, 0.3]) {
      assert.deepEqual(found(unit, count, dim, minCosine), bruteForce(unit, count, dim, minCosine).sort(), `dim ${dim}, min cosine ${minCosine}`);
    }
    assert.ok(found(unit, count, dim, 0.99).length >= 60, 'the planted pairs are found');
  }
});

test('rows off unit length keep the prefilter exact (its bound uses each row’s own length)', () => {
  const dim = 64;
  const count = 300;
  const unit = rows(count, dim, { seed: 3, copies: 40 });
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) unit[i * dim + j] = (unit[i * dim + j] as number) * (1 + 0.01 * (i % 5));
  assert.deepEqual(found(unit, count, dim, 0.99), bruteForce(unit, count, dim, 0.99).sort());
});

test('rows that are all alike (a collapsed store) are scored in full by the kernel, and still found', () => {
  const dim = 128;
  const count = 400;
  const unit = rows(count, dim, { seed: 5, center: 1, spread: 0.004 });
  const minCosine = 0.9995;
  const kernelPairs: string[] = [];
  const scores = new Float32Array(count * count);
  kernels().dot({ data: unit, count, dim }, { data: unit, count, dim }, scores);
  for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) if ((scores[a * count + b] as number) >= minCosine) kernelPairs.push(`${a},${b}`);
  const pairs = found(unit, count, dim, minCosine);
  assert.ok(pairs.length > (count * (count - 1)) / 4, `most pairs are close here (${pairs.length})`);
  // Where a block is scored in full the verdict is the kernel's float32 score, as before the prefilter.
  assert.deepEqual(pairs, kernelPairs.sort());
});

test('nothing to pair: fewer than two rows', () => {
  assert.deepEqual(found(new Float32Array(128), 1, 128, 0.9), []);
  assert.deepEqual(found(new Float32Array(0), 0, 128, 0.9), []);
});
