import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Metric } from '../../src/core/policy.js';
import type { Rows } from '../../src/core/rows.js';
import { exactTopK, exactTopKSync, fusedTopKAvailable, instantiateTopK, ParallelTopKStream, STORED_ELEMENT_CODES, topKKernel, useTopKKernel, widenedRows } from '../../src/math/exact-top-k.js';
import { fixedSharedMemory, wasmApi } from '../../src/math/wasm-memory.js';
import { jsKernels, kernels, useKernels } from '../../src/math/kernels.js';
import { npyHeader } from '../../src/io/npy-writer.js';
import { Rng } from '../../src/math/rng.js';
import { openNpy } from '../../src/sources/files/npy.js';
import { exactSearchReference as exactSearch, exactSearch as exactSearchAnyRows, type NeighborLists } from '../../src/math/top-k.js';
import { head, wordnet } from '../helpers/wordnet.js';

const METRICS: readonly Metric[] = ['ip', 'cosine', 'l2'];

// The comparisons below hold the engine to the reference's rounding (1e-6): the plain SIMD build's.
// Where the runtime has relaxed SIMD (Node 22+) the engine would pick the FMA build, which has its own test.
useTopKKernel('simd');

test('the fused kernel loads (npm test builds it): the comparisons below run it, not the fallback', () => {
  assert.ok(fusedTopKAvailable());
});

/**
 * The engine's lists against `exactSearch`: the same score at every rank (to float32 rounding of a
 * near-tie) and the same ids except where two rows tie within that rounding.
 */
function assertSameLists(got: NeighborLists, want: NeighborLists, label: string, tolerance = 1e-6): void {
  assert.equal(got.queries, want.queries, label);
  assert.equal(got.k, want.k, label);
  let differing = 0;
  for (let i = 0; i < want.ids.length; i++) {
    const a = got.scores[i] as number;
    const b = want.scores[i] as number;
    if (a !== b) assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${label}: score at slot ${i}: ${a} vs ${b}`);
    if (got.ids[i] === want.ids[i]) continue;
    differing++;
    const q = Math.floor(i / want.k);
    const wantScores = Array.from(want.scores.subarray(q * want.k, (q + 1) * want.k));
    const gotAt = Array.from(want.ids.subarray(q * want.k, (q + 1) * want.k)).indexOf(got.ids[i] as number);
    // A swapped pair or a row entering at the last ranks must be a near-tie.
    const tie = gotAt >= 0 ? Math.abs((wantScores[gotAt] as number) - b) : Math.abs(a - b);
    assert.ok(tie <= tolerance * Math.max(1, Math.abs(b)), `${label}: query ${q} rank ${i % want.k}: id ${got.ids[i]} vs ${want.ids[i]} (not a tie)`);
  }
  assert.ok(differing <= want.ids.length * 0.01, `${label}: ${differing} of ${want.ids.length} slots differ`);
}

function rows(data: Float32Array, count: number, dim: number): Rows {
  return { data, count, dim };
}

function gaussian(rows: number, dim: number, rng: Rng): Float32Array {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextGaussian();
  return data;
}

test('random data, every metric, odd shapes: the engine answers as exactSearch does, on one thread and on several', async () => {
  const rng = new Rng(20);
  // dims around the 4-float SIMD width, query counts off the 2-query tile, row counts off the 4-row tile.
  for (const [queryCount, baseCount, dim, k] of [
    [7, 203, 3, 5],
    [1, 50, 1, 10],
    [12, 1001, 13, 10],
    [33, 2999, 130, 10],
    [5, 3, 8, 10], // k above the row count
  ] as const) {
    const queries = gaussian(queryCount, dim, rng);
    const base = gaussian(baseCount, dim, rng);
    for (const metric of METRICS) {
      const [q, b] = [rows(queries, queryCount, dim), rows(base, baseCount, dim)];
      const want = exactSearch(q, b, { metric, k });
      const label = `${metric} ${queryCount}×${baseCount}×${dim} k=${k}`;
      assertSameLists(exactTopKSync(q, b, { metric, k }), want, `${label} sync`);
      // Small chunks: rows pass through the kernel memory in several rounds, split over 3 threads.
      const chunkRows = Math.max(4, Math.ceil(baseCount / 3));
      assertSameLists(await exactTopK(q, b, { metric, k, threads: 3, chunkRows }), want, `${label} threads`);
    }
  }
});

test('real embeddings (wordnet-ft128, unnormalized): identical lists for every metric, one thread and two', async () => {
  const docs = wordnet();
  const queries = head(wordnet('queries.f32.npy'), 200);
  for (const metric of METRICS) {
    const [q, b] = [rows(queries.data, queries.rows, queries.dim), rows(docs.data, docs.rows, docs.dim)];
    const want = exactSearch(q, b, { metric, k: 10 });
    assertSameLists(exactTopKSync(q, b, { metric, k: 10 }), want, `${metric} sync`);
    assertSameLists(await exactTopK(q, b, { metric, k: 10, threads: 2, chunkRows: 6000 }), want, `${metric} threads`);
  }
});

test('a parallel stream over blocks of odd sizes (rounds gathered across blocks, two threads) answers as exactSearch does', async () => {
  const rng = new Rng(21);
  const [queryCount, baseCount, dim, k] = [9, 3001, 19, 10];
  const queries = gaussian(queryCount, dim, rng);
  const base = gaussian(baseCount, dim, rng);
  for (const metric of METRICS) {
    const want = exactSearch(rows(queries, queryCount, dim), rows(base, baseCount, dim), { metric, k });
    // chunkRows 500: rounds end inside blocks and blocks span rounds.
    const stream = await ParallelTopKStream.open(rows(queries, queryCount, dim), { metric, k, threads: 2, chunkRows: 500 });
    assert.equal(stream.threadCount, 2, 'workers started');
    for (let start = 0, size = 1; start < baseCount; start += size, size = (size * 7 + 3) % 900) {
      const count = Math.min(size, baseCount - start);
      await stream.add(base.subarray(start * dim, (start + count) * dim), count);
    }
    assert.equal(stream.rows, baseCount);
    assertSameLists(await stream.finish(), want, `stream ${metric}`);
  }
});

test('zero and NaN rows rank as in exactSearch: zero scores 0 under cosine, NaN never ranks', async () => {
  const rng = new Rng(7);
  const dim = 16;
  const base = gaussian(40, dim, rng);
  base.fill(0, 3 * dim, 4 * dim);
  base[10 * dim + 5] = NaN;
  // Queries whose dot with most rows is negative, so the zero row's 0 enters the top 10.
  const queries = new Float32Array(2 * dim);
  for (let q = 0; q < 2; q++) for (let j = 0; j < dim; j++) queries[q * dim + j] = -(base[j] as number) * (q + 1);
  for (const metric of METRICS) {
    const want = exactSearch(rows(queries, 2, dim), rows(base, 40, dim), { metric, k: 10 });
    const got = await exactTopK(rows(queries, 2, dim), rows(base, 40, dim), { metric, k: 10, threads: 2 });
    assertSameLists(got, want, metric);
    assert.ok(!Array.from(got.ids).includes(10), `${metric}: the NaN row ranked`);
  }
});

test('equal rows: the lower row id wins the tie, across threads as within one', async () => {
  const dim = 8;
  const row = Float32Array.from({ length: dim }, (_, j) => j + 1);
  const base = new Float32Array(64 * dim);
  for (let r = 0; r < 64; r++) base.set(row, r * dim);
  for (const metric of METRICS) {
    const got = await exactTopK(rows(row, 1, dim), rows(base, 64, dim), { metric, k: 5, threads: 2, chunkRows: 20 });
    assert.deepEqual(Array.from(got.ids), [0, 1, 2, 3, 4], metric);
  }
});

test('k = 0, no queries, no rows: empty lists, no workers needed', async () => {
  const dim = 4;
  const data = new Float32Array(8 * dim).fill(1);
  assert.equal((await exactTopK(rows(data, 2, dim), rows(data, 8, dim), { metric: 'ip', k: 0, threads: 2 })).ids.length, 0);
  assert.equal((await exactTopK(rows(data, 0, dim), rows(data, 8, dim), { metric: 'ip', k: 3, threads: 2 })).ids.length, 0);
  const none = await exactTopK(rows(data, 2, dim), rows(data, 0, dim), { metric: 'ip', k: 3 });
  assert.equal(none.k, 0);
});

test('excluded rows (probe queries drawn from the base) never rank, as in the reference loop', async () => {
  const docs = head(wordnet(), 3000);
  const picks = [0, 5, 17, 2999, 1234];
  const queries = new Float32Array(picks.length * docs.dim);
  picks.forEach((row, i) => queries.set(docs.data.subarray(row * docs.dim, (row + 1) * docs.dim), i * docs.dim));
  const excluded = new Set(picks);
  for (const metric of METRICS) {
    const [q, b] = [rows(queries, picks.length, docs.dim), rows(docs.data, docs.rows, docs.dim)];
    const want = exactSearch(q, b, { metric, k: 10, exclude: excluded });
    const got = await exactTopK(q, b, { metric, k: 10, threads: 2, chunkRows: 1000, excludedRows: excluded });
    assertSameLists(got, want, metric);
    assertSameLists(exactTopKSync(q, b, { metric, k: 10, excludedRows: excluded }), want, `${metric} sync`);
    for (const row of picks) assert.ok(!Array.from(got.ids).includes(row), `${metric}: excluded row ${row} ranked`);
  }
});

test('with the reference kernels (VECTORCLINIC_KERNELS=js) the engine answers through the reference loop', async () => {
  const rng = new Rng(3);
  const dim = 12;
  const queries = gaussian(5, dim, rng);
  const base = gaussian(300, dim, rng);
  const fast = kernels();
  useKernels(jsKernels);
  try {
    for (const metric of METRICS) {
      const want = exactSearch(rows(queries, 5, dim), rows(base, 300, dim), { metric, k: 10 });
      const got = await exactTopK(rows(queries, 5, dim), rows(base, 300, dim), { metric, k: 10, threads: 2 });
      assert.deepEqual(Array.from(got.ids), Array.from(want.ids), metric);
      // Bit-equal scores: the reference kernels accumulate in float64, the fused kernel in float32 lanes.
      assert.deepEqual(Array.from(got.scores), Array.from(want.scores), metric);
    }
  } finally {
    useKernels(fast);
  }
});

test('widen: every float16 pattern, and int8/uint8/bfloat16 values, widen as the file readers decode them', () => {
  const memory = fixedSharedMemory(16);
  const kernel = instantiateTopK(memory);
  const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
  // 65536 values plus an odd tail: 4 at a time, then one at a time.
  for (const [storage, bytes] of [
    ['float16', new Uint8Array(patterns.buffer)],
    ['bfloat16', new Uint8Array(patterns.buffer)],
    ['int8', Uint8Array.from({ length: 259 }, (_, i) => i & 0xff)],
    ['uint8', Uint8Array.from({ length: 259 }, (_, i) => (i * 7) & 0xff)],
  ] as const) {
    const count = bytes.length / (storage.endsWith('16') ? 2 : 1) - (storage.endsWith('16') ? 1 : 0);
    // At an odd address: stored rows need no alignment.
    new Uint8Array(memory.buffer, 1, bytes.length).set(bytes);
    const dst = 1 << 18;
    new Float32Array(memory.buffer, dst, count + 4).fill(-7);
    kernel.widen(1, dst, count, STORED_ELEMENT_CODES[storage]);
    const got = new Float32Array(memory.buffer, dst, count + 1);
    const want = widenedRows({ bytes, storage, count, dim: 1 }).data;
    for (let i = 0; i < count; i++) assert.ok(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])), `${storage} value ${i}: ${got[i]} vs ${want[i]}`);
    assert.equal(got[count], -7, `${storage}: wrote past the last value`);
  }
});

test('float16 / int8 / uint8 rows searched in their stored type: the lists of the same rows widened first, bit for bit', async () => {
  const rng = new Rng(16);
  const [queryCount, baseCount, dim] = [6, 1203, 13];
  const queries = gaussian(queryCount, dim, rng);
  const half = new Uint16Array(baseCount * dim);
  // Half-precision patterns of moderate values (exponent 10..20), some negative, a few subnormal.
  for (let i = 0; i < half.length; i++) half[i] = (rng.nextFloat() < 0.5 ? 0x8000 : 0) | (i % 97 === 0 ? rng.nextInt(0x3ff) : ((10 + rng.nextInt(10)) << 10) | rng.nextInt(0x3ff));
  const signed = Int8Array.from({ length: baseCount * dim }, () => rng.nextInt(256) - 128);
  for (const [storage, bytes] of [
    ['float16', new Uint8Array(half.buffer)],
    ['int8', new Uint8Array(signed.buffer)],
    ['uint8', Uint8Array.from({ length: baseCount * dim }, () => rng.nextInt(256))],
  ] as const) {
    const stored = { bytes, storage, count: baseCount, dim };
    const widened = widenedRows(stored);
    for (const metric of METRICS) {
      const want = exactTopKSync(rows(queries, queryCount, dim), widened, { metric, k: 10 });
      const label = `${storage} ${metric}`;
      // Worker threads once per type (each start costs ~0.5 s under tsx): slices widened by both threads.
      const parallel = metric === 'cosine' ? [await exactTopK(rows(queries, queryCount, dim), stored, { metric, k: 10, threads: 2, chunkRows: 500 })] : [];
      for (const got of [exactTopKSync(rows(queries, queryCount, dim), stored, { metric, k: 10, chunkRows: 250 }), ...parallel]) {
        assert.deepEqual(Array.from(got.ids), Array.from(want.ids), label);
        assert.deepEqual(Array.from(got.scores), Array.from(want.scores), label);
      }
    }
  }
});

test('a float16 .npy is read in its stored type (half the bytes of float32) and searched to the lists of its float32 rows', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'vectorclinic-f16-'));
  try {
    const rng = new Rng(17);
    const [count, dim] = [500, 10];
    const half = Uint16Array.from({ length: count * dim }, () => (rng.nextFloat() < 0.5 ? 0x8000 : 0) | ((12 + rng.nextInt(6)) << 10) | rng.nextInt(0x3ff));
    const path = join(directory, 'half.npy');
    writeFileSync(path, Buffer.concat([npyHeader(count, dim, '<f2'), new Uint8Array(half.buffer)]));
    const source = openNpy(path);
    const stored = await source.readStoredRows?.();
    const floats = await source.readRows(Array.from({ length: count }, (_, i) => i));
    await source.close();
    assert.ok(stored, 'float16 rows come back in their stored type');
    assert.equal(stored.bytes.byteLength, count * dim * 2);
    const queries = rows(gaussian(3, dim, rng), 3, dim);
    for (const metric of METRICS) {
      const want = exactTopKSync(queries, floats, { metric, k: 10 });
      const got = exactTopKSync(queries, stored, { metric, k: 10 });
      assert.deepEqual(Array.from(got.ids), Array.from(want.ids), metric);
      assert.deepEqual(Array.from(got.scores), Array.from(want.scores), metric);
      // Per-pair exclusions take the reference loop, which widens the stored rows first.
      const exclude = (query: number, row: number): boolean => row === query;
      assert.deepEqual(Array.from(exactSearchAnyRows(queries, stored, { metric, k: 10, exclude }).ids), Array.from(exactSearchAnyRows(queries, floats, { metric, k: 10, exclude }).ids), `${metric} excluding pairs`);
    }
    const f32 = join(directory, 'single.npy');
    writeFileSync(f32, Buffer.concat([npyHeader(count, dim), new Uint8Array(floats.data.buffer, floats.data.byteOffset, count * dim * 4)]));
    const single = openNpy(f32);
    assert.equal(await single.readStoredRows?.(), undefined, 'float32 rows are read as they are');
    await single.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

/** The relaxed-SIMD child below and this process draw the same rows from the same seed. */
function fmaCase(): { queries: Rows; base: Rows } {
  const rng = new Rng(33);
  const dim = 45;
  return { queries: rows(gaussian(7, dim, rng), 7, dim), base: rows(gaussian(2003, dim, rng), 2003, dim) };
}

test('the relaxed-SIMD (FMA) build, run where the runtime has it, answers as the reference does, ties aside', () => {
  const script = `
    const { exactTopK, exactTopKSync, topKKernel } = await import(${JSON.stringify(new URL('../../src/math/exact-top-k.ts', import.meta.url).href)});
    const { Rng } = await import(${JSON.stringify(new URL('../../src/math/rng.ts', import.meta.url).href)});
    const rng = new Rng(33);
    const gaussian = (n) => Float32Array.from({ length: n }, () => rng.nextGaussian());
    const dim = 45;
    const queries = { data: gaussian(7 * dim), count: 7, dim };
    const base = { data: gaussian(2003 * dim), count: 2003, dim };
    const out = { kernel: topKKernel(), lists: {} };
    for (const metric of ['ip', 'cosine', 'l2']) {
      const lists = metric === 'l2' ? await exactTopK(queries, base, { metric, k: 10, threads: 2, chunkRows: 700 }) : exactTopKSync(queries, base, { metric, k: 10 });
      out.lists[metric] = { queries: lists.queries, k: lists.k, ids: Array.from(lists.ids), scores: Array.from(lists.scores) };
    }
    console.log(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../../', import.meta.url),
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout) as { kernel: string; lists: Record<Metric, { queries: number; k: number; ids: number[]; scores: number[] }> };
  assert.equal(result.kernel, 'relaxed-simd', 'the runtime validated the relaxed build and the engine picked it');
  const { queries, base } = fmaCase();
  for (const metric of METRICS) {
    const got = result.lists[metric];
    const lists = { queries: got.queries, k: got.k, ids: Int32Array.from(got.ids), scores: Float32Array.from(got.scores) };
    // FMA rounds each multiply-add once instead of twice: a dot of 45 terms may move by up to
    // 45 · 2⁻²⁴ · Σ|qᵢxᵢ| (~1e-4 here), and L2's 2q·x − ‖x‖² keeps that absolute error.
    assertSameLists(lists, exactSearch(queries, base, { metric, k: 10 }), `relaxed ${metric}`, 2e-4);
  }
});

test('the plain SIMD build stays selectable (the fallback where relaxed SIMD is missing) and answers as the reference does', async () => {
  const before = topKKernel();
  const { queries, base } = fmaCase();
  try {
    assert.ok(useTopKKernel('simd'));
    for (const metric of METRICS) assertSameLists(exactTopKSync(queries, base, { metric, k: 10 }), exactSearch(queries, base, { metric, k: 10 }), `simd ${metric}`);
    // Without --experimental-wasm-relaxed-simd, Node 20 does not validate the relaxed build: the engine must not pick it.
    if (!wasmApi.validate(readFileSync(new URL('../../src/math/wasm/exact-top-k-relaxed.wasm', import.meta.url)))) assert.equal(useTopKKernel('relaxed-simd'), false);
  } finally {
    if (before) useTopKKernel(before);
  }
});
