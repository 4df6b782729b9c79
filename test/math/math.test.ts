import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wilsonInterval, zeroHitUpperBound } from '../../src/math/bounds.js';
import { meanPairwiseCosine, principalShares } from '../../src/math/principal-component.js';
import { Rng, sampleIndices } from '../../src/math/rng.js';
import { exactSearch, listAgreement, meanPairwiseOverlap, TopKSelector } from '../../src/math/top-k.js';
import { normalizedCopy } from '../../src/math/vectors.js';

describe('Rng and sampling', () => {
  test('the same seed gives the same stream; different seeds differ', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    assert.deepEqual(
      first,
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    assert.notDeepEqual(
      first,
      Array.from({ length: 5 }, () => c.nextUint32()),
    );
  });

  test('sampleIndices draws distinct sorted rows, uniformly', () => {
    const rng = new Rng(1);
    const hits = new Array<number>(10).fill(0);
    for (let trial = 0; trial < 2000; trial++) {
      const picks = sampleIndices(10, 3, rng);
      assert.equal(new Set(picks).size, 3);
      assert.deepEqual(
        picks,
        [...picks].sort((x, y) => x - y),
      );
      for (const pick of picks) hits[pick] = (hits[pick] as number) + 1;
    }
    // Each row is picked with probability 0.3: 600 ± 5σ (σ ≈ 20.5).
    for (const count of hits) assert.ok(Math.abs(count - 600) < 103, `row picked ${count} times`);
  });

  test('sampling a billion-row population stays small and in range', () => {
    const picks = sampleIndices(1e9, 5000, new Rng(3));
    assert.equal(picks.length, 5000);
    assert.ok((picks[0] as number) >= 0 && (picks[4999] as number) < 1e9);
  });
});

describe('top-k search', () => {
  test('TopKSelector keeps the k largest in order, ignoring NaN', () => {
    const selector = new TopKSelector(3);
    [0.1, 0.9, NaN, 0.5, 0.7, -1].forEach((score, id) => selector.offer(id, score));
    const ids = new Int32Array(3);
    const scores = new Float32Array(3);
    selector.write(ids, scores, 0);
    assert.deepEqual([...ids], [1, 4, 3]);
  });

  test('exactSearch agrees with brute-force sorting under each metric', () => {
    const rng = new Rng(9);
    const dim = 7;
    const base = Float32Array.from({ length: 60 * dim }, () => rng.nextGaussian() * (1 + rng.nextFloat()));
    const queries = Float32Array.from({ length: 4 * dim }, () => rng.nextGaussian());
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const lists = exactSearch({ data: queries, count: 4, dim }, { data: base, count: 60, dim }, { metric, k: 5 });
      for (let q = 0; q < 4; q++) {
        const scored = Array.from({ length: 60 }, (_, i) => ({ i, s: score(metric, queries.subarray(q * dim, (q + 1) * dim), base.subarray(i * dim, (i + 1) * dim)) }));
        scored.sort((a, b) => b.s - a.s);
        assert.deepEqual(
          [...lists.ids.subarray(q * 5, q * 5 + 5)],
          scored.slice(0, 5).map((x) => x.i),
          metric,
        );
      }
    }
  });

  test('overlap is 1 for identical lists and 0 for disjoint ones; agreement compares rankings', () => {
    const same = { queries: 3, k: 2, ids: Int32Array.from([1, 2, 1, 2, 1, 2]), scores: new Float32Array(6) };
    const disjoint = { queries: 3, k: 2, ids: Int32Array.from([1, 2, 3, 4, 5, 6]), scores: new Float32Array(6) };
    assert.equal(meanPairwiseOverlap(same).mean, 1);
    assert.equal(meanPairwiseOverlap(disjoint).mean, 0);
    assert.equal(listAgreement(same, same), 1);
    // Query 0 keeps both neighbours, queries 1 and 2 keep none.
    assert.ok(Math.abs(listAgreement(same, disjoint) - 1 / 3) < 1e-9);
  });
});

describe('geometry', () => {
  test('PC1 share: a cloud stretched along one axis concentrates its variance there', () => {
    const rng = new Rng(2);
    const count = 2000;
    const dim = 10;
    const data = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = rng.nextGaussian() * (j === 3 ? 3 : 1);
    // Expected share: 9 / (9 + 9) = 0.5.
    assert.ok(Math.abs((principalShares(data, count, dim, 1).centered[0] as number) - 0.5) < 0.03);
  });

  test('mean pairwise cosine equals the brute-force mean', () => {
    const rng = new Rng(4);
    const dim = 5;
    const count = 40;
    const unit = normalizedCopy(
      Float32Array.from({ length: count * dim }, () => rng.nextGaussian() + 0.5),
      count,
      dim,
    );
    let total = 0;
    for (let a = 0; a < count; a++) for (let b = 0; b < count; b++) if (a !== b) total += score('ip', unit.subarray(a * dim, (a + 1) * dim), unit.subarray(b * dim, (b + 1) * dim));
    assert.ok(Math.abs(meanPairwiseCosine(unit, count, dim) - total / (count * (count - 1))) < 1e-5);
  });
});

describe('confidence bounds', () => {
  test('zero hits in n trials bound the rate by about 3/n', () => {
    assert.ok(Math.abs(zeroHitUpperBound(5000) - 3 / 5000) < 1e-5);
  });

  test('the Wilson interval contains the observed rate and narrows with trials', () => {
    const small = wilsonInterval(5, 50);
    const large = wilsonInterval(500, 5000);
    assert.ok(small.low < 0.1 && small.high > 0.1);
    assert.ok(large.high - large.low < small.high - small.low);
  });
});

function score(metric: 'cosine' | 'ip' | 'l2', q: Float32Array, x: Float32Array): number {
  let dot = 0;
  let qq = 0;
  let xx = 0;
  let l2 = 0;
  for (let j = 0; j < q.length; j++) {
    dot += (q[j] as number) * (x[j] as number);
    qq += (q[j] as number) ** 2;
    xx += (x[j] as number) ** 2;
    l2 += ((q[j] as number) - (x[j] as number)) ** 2;
  }
  return metric === 'ip' ? dot : metric === 'cosine' ? dot / Math.sqrt(qq * xx) : -l2;
}
