import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openNpy } from '../sources/files/npy.js';
import { loadWasmKernels } from './kernels-wasm.js';
import { createRowScanOutput, jsKernels, ROW_NONFINITE, type Kernels } from './kernels.js';
import type { Rows } from '../core/rows.js';
import { Rng } from './rng.js';

const wasm = loadWasmKernels();
const dataDirectory = new URL('../../../shared/data/wordnet-ft128/', import.meta.url);
const repoRoot = new URL('../../', import.meta.url);

/** Float32 unit roundoff: the bound for one rounding of a float32 result. */
const FLOAT32_ROUNDOFF = 2 ** -24;

async function readNpy(name: string): Promise<{ data: Float32Array; rows: number; dim: number }> {
  const source = openNpy(new URL(name, dataDirectory).pathname);
  try {
    const { rows, dim } = await source.describe();
    const block = await source.readRows(Array.from({ length: rows }, (_, i) => i));
    return { data: block.data, rows, dim };
  } finally {
    await source.close();
  }
}

function scanBoth(data: Float32Array, count: number, dim: number, fast: Kernels = wasm) {
  const reference = createRowScanOutput(count, dim);
  const candidate = createRowScanOutput(count, dim);
  jsKernels.scanRows(data, count, dim, reference);
  fast.scanRows(data, count, dim, candidate);
  return { reference, candidate };
}

/** Flags, hashes and column counts bit for bit; norms of finite rows within float32 rounding. */
function assertScansAgree(data: Float32Array, count: number, dim: number, fast: Kernels = wasm): void {
  const { reference, candidate } = scanBoth(data, count, dim, fast);
  assert.deepEqual(candidate.flags, reference.flags, `flags, dim ${dim}`);
  assert.deepEqual(candidate.hashLow, reference.hashLow, `hash low, dim ${dim}`);
  assert.deepEqual(candidate.hashHigh, reference.hashHigh, `hash high, dim ${dim}`);
  assert.deepEqual(candidate.columnNonzero, reference.columnNonzero, `column counts, dim ${dim}`);
  for (let i = 0; i < count; i++) {
    if ((reference.flags[i] as number) & ROW_NONFINITE) continue;
    const expected = reference.norms2[i] as number;
    const actual = candidate.norms2[i] as number;
    if (!Number.isFinite(expected)) {
      assert.equal(actual, expected, `norm² of row ${i} (dim ${dim})`);
      continue;
    }
    // Both sum exactly-squared values in float64 and round once to float32: at most one ulp apart.
    assert.ok(Math.abs(actual - expected) <= 2 * FLOAT32_ROUNDOFF * expected, `norm² of row ${i} (dim ${dim}): ${actual} vs ${expected}`);
  }
}

function rowNorm(data: Float32Array, row: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[row * dim + j] as number) ** 2;
  return Math.sqrt(sum);
}

/**
 * Float32 accumulation over `dim` terms errs by at most about dim·u·Σ|aᵢbᵢ| ≤ dim·u·‖a‖‖b‖
 * (recursive summation bound), and the reference rounds once more.
 */
function assertDotsAgree(aRows: Rows, bRows: Rows, fast: Kernels = wasm): void {
  const { data: a, count: countA, dim } = aRows;
  const { data: b, count: countB } = bRows;
  const reference = new Float32Array(countA * countB);
  const candidate = new Float32Array(countA * countB).fill(-12345);
  jsKernels.dot(aRows, bRows, reference);
  fast.dot(aRows, bRows, candidate);
  const normsB = Array.from({ length: countB }, (_, k) => rowNorm(b, k, dim));
  for (let i = 0; i < countA; i++) {
    const normA = rowNorm(a, i, dim);
    for (let k = 0; k < countB; k++) {
      const expected = reference[i * countB + k] as number;
      const actual = candidate[i * countB + k] as number;
      if (!Number.isFinite(expected)) {
        assert.ok(Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)), `dot ${i},${k}: ${actual} vs ${expected}`);
        continue;
      }
      const tolerance = (dim + 2) * FLOAT32_ROUNDOFF * normA * (normsB[k] as number) + Number.MIN_VALUE;
      assert.ok(Math.abs(actual - expected) <= tolerance, `dot ${i},${k} (dim ${dim}, ${countA}×${countB}): ${actual} vs ${expected}`);
    }
  }
}

function gaussianRows(count: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count * dim }, () => rng.nextGaussian());
}

test('WASM scanRows matches the reference on the wordnet-ft128 document and query files', async () => {
  for (const name of ['docs.f32.npy', 'docs_model_b.f32.npy', 'queries.f32.npy']) {
    const { data, rows, dim } = await readNpy(name);
    assertScansAgree(data, rows, dim);
  }
});

test('WASM dot matches the reference on real queries × documents', async () => {
  const docs = await readNpy('docs.f32.npy');
  const queries = await readNpy('queries.f32.npy');
  assertDotsAgree({ data: queries.data, count: 37, dim: docs.dim }, { data: docs.data, count: 3001, dim: docs.dim });
});

test('scanRows flags NaN/±Inf anywhere, counts -0 as zero, keeps denormals non-zero', () => {
  for (const dim of [1, 3, 4, 5, 127, 128, 129, 4096]) {
    const largestFinite = 3.4028234663852886e38;
    const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -1e-40, largestFinite, -largestFinite, 1e-20];
    const count = specials.length * Math.min(dim, 7) + 7;
    const data = gaussianRows(count, dim, dim);
    let row = 0;
    // Each special value at several positions: first column, last column (the SIMD tail), middle.
    for (const value of specials) {
      for (const column of new Set([0, dim - 1, Math.floor(dim / 2), dim & ~3, Math.max(0, (dim & ~3) - 1), 1 % dim, 2 % dim])) {
        if (row >= count - 7) break;
        data[row * dim + column] = value;
        row++;
      }
    }
    const fill = (r: number, value: number): void => {
      data.fill(value, r * dim, (r + 1) * dim);
    };
    fill(count - 7, -largestFinite); // every square near float64's reach of float32: still finite
    fill(count - 6, 0);
    fill(count - 5, -0);
    fill(count - 4, 1e-45); // all denormal: non-zero, norm² underflows in float32
    fill(count - 3, NaN);
    fill(count - 2, 1e30); // finite, but the squared norm overflows float32
    data.set(data.subarray(0, dim), (count - 1) * dim); // a copy of row 0: same hash
    assertScansAgree(data, count, dim);
    assertScansAgree(data, count - 1, dim); // an odd count: the last row goes through the one-row path
    const { candidate } = scanBoth(data, count, dim);
    assert.equal(candidate.flags[count - 7], 0, 'a row of the largest float32 is finite and non-zero');
    assert.equal(candidate.flags[count - 6], 2, 'all +0 row is zero');
    assert.equal(candidate.flags[count - 5], 2, 'all -0 row is zero');
    assert.equal(candidate.flags[count - 4], 0, 'denormal row is neither zero nor non-finite');
    assert.equal(candidate.flags[count - 3], 1, 'NaN row is non-finite and not zero');
    assert.equal(candidate.hashLow[count - 1], candidate.hashLow[0]);
    assert.equal(candidate.hashHigh[count - 1], candidate.hashHigh[0]);
  }
});

test('scanRows on zero rows is a no-op and column counts accumulate across calls', () => {
  const dim = 5;
  const data = gaussianRows(40, dim, 7);
  const out = createRowScanOutput(40, dim);
  wasm.scanRows(data, 0, dim, out);
  assert.deepEqual([...out.columnNonzero], [0, 0, 0, 0, 0]);
  wasm.scanRows(data, 40, dim, out);
  wasm.scanRows(data, 40, dim, out);
  assert.deepEqual([...out.columnNonzero], [80, 80, 80, 80, 80]);
});

test('many rows: copied in blocks through scratch and in place from allocate() give the reference results', () => {
  // 4096-d × 700 rows is 11 MB: more than the scratch area, so the copy path runs in several blocks.
  const dim = 4096;
  const count = 700;
  const data = gaussianRows(count, dim, 11);
  for (let r = 0; r < count; r += 97) data[r * dim + (r % dim)] = NaN;
  assertScansAgree(data, count, dim);
  const buffer = wasm.allocate(count * dim);
  buffer.floats.set(data);
  try {
    assertScansAgree(buffer.floats, count, dim);
  } finally {
    buffer.release();
  }
  const small = gaussianRows(200_000, 3, 12);
  assertScansAgree(small, 200_000, 3);
});

test('dot agrees with the reference for every tile remainder and dimension tail', () => {
  for (const dim of [1, 3, 4, 5, 8, 127, 129]) {
    for (const [countA, countB] of [
      [1, 1],
      [2, 3],
      [3, 5],
      [4, 2],
      [5, 7],
      [7, 9],
      [8, 33],
      [13, 64],
    ] as const) {
      const a = gaussianRows(countA, dim, dim * 100 + countA);
      const b = gaussianRows(countB, dim, dim * 100 + countB + 50);
      assertDotsAgree({ data: a, count: countA, dim }, { data: b, count: countB, dim });
    }
  }
});

test('a pair dots to the same float wherever it falls in the matrix: dot(a, b) is dot(b, a) transposed, bit for bit', () => {
  // selfNeighbourLists computes each pair once and offers it to both rows on this promise.
  for (const kernel of [wasm, jsKernels]) {
    for (const dim of [1, 3, 5, 8, 64, 67, 129]) {
      for (const [countA, countB] of [
        [1, 9],
        [3, 5],
        [5, 7],
        [13, 6],
      ] as const) {
        const a = { data: gaussianRows(countA, dim, dim + countA), count: countA, dim };
        const b = { data: gaussianRows(countB, dim, dim + countB + 7), count: countB, dim };
        const ab = new Float32Array(countA * countB);
        const ba = new Float32Array(countA * countB);
        kernel.dot(a, b, ab);
        kernel.dot(b, a, ba);
        for (let i = 0; i < countA; i++) {
          for (let k = 0; k < countB; k++)
            assert.ok(Object.is(ab[i * countB + k], ba[k * countA + i]), `${kernel.name} dim ${dim}, ${countA}×${countB}: a${i}·b${k} ${ab[i * countB + k]} vs b${k}·a${i} ${ba[k * countA + i]}`);
        }
      }
    }
  }
});

test('dot with operands larger than the scratch area, in place and copied, with NaN/Inf rows', () => {
  const dim = 768;
  const countA = 70;
  const countB = 3000; // 9 MB of B rows: several B tiles
  const a = gaussianRows(countA, dim, 21);
  const b = gaussianRows(countB, dim, 22);
  b[5 * dim + 767] = NaN;
  b[6 * dim] = Infinity;
  assertDotsAgree({ data: a, count: countA, dim }, { data: b, count: countB, dim });
  const aIn = wasm.allocate(countA * dim);
  const bIn = wasm.allocate(countB * dim);
  const outIn = wasm.allocate(countA * countB);
  try {
    aIn.floats.set(a);
    bIn.floats.set(b);
    wasm.dot({ data: aIn.floats, count: countA, dim }, { data: bIn.floats, count: countB, dim }, outIn.floats);
    const copied = new Float32Array(countA * countB);
    wasm.dot({ data: a, count: countA, dim }, { data: b, count: countB, dim }, copied);
    assert.deepEqual(outIn.floats, copied, 'in-place and copied operands give identical results');
  } finally {
    aIn.release();
    bIn.release();
    outIn.release();
  }
});

test('dim 0 dots are zero; short arrays are rejected instead of read out of bounds', () => {
  const out = new Float32Array(6).fill(7);
  wasm.dot({ data: new Float32Array(0), count: 2, dim: 0 }, { data: new Float32Array(0), count: 3, dim: 0 }, out);
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
  assert.throws(() => wasm.dot({ data: new Float32Array(3), count: 2, dim: 4 }, { data: new Float32Array(8), count: 2, dim: 4 }, new Float32Array(4)), RangeError);
  assert.throws(() => wasm.scanRows(new Float32Array(3), 2, 4, createRowScanOutput(2, 4)), RangeError);
});

test('allocated buffers keep their contents and views when the memory grows, and are reused after release', () => {
  const first = wasm.allocate(1000);
  first.floats.set(gaussianRows(1000, 1, 5));
  const before = Float32Array.from(first.floats);
  const big = wasm.allocate(64 << 20); // 256 MB: forces the memory to grow
  big.floats[big.floats.length - 1] = 42;
  assert.equal(first.floats.length, 1000, 'old view still attached');
  assert.deepEqual(Float32Array.from(first.floats), before);
  assert.equal(new Float32Array(first.bytes.buffer, first.bytes.byteOffset, 1000)[999], before[999]);
  big.release();
  const again = wasm.allocate(1024);
  assert.equal(again.floats.byteOffset, big.floats.byteOffset, 'released memory is reused');
  again.release();
  first.release();
  first.release(); // twice is harmless
});

test('kernels() falls back to the JS reference when the .wasm file is missing', () => {
  const directory = mkdtempSync(join(tmpdir(), 'vectorclinic-kernels-'));
  try {
    for (const name of ['kernels.ts', 'kernels-wasm.ts', 'wasm-memory.ts']) copyFileSync(new URL(`./${name}`, import.meta.url), join(directory, name));
    writeFileSync(join(directory, 'package.json'), '{"type": "module"}');
    const script = `const k = await import(${JSON.stringify(join(directory, 'kernels.ts'))});
      const out = k.createRowScanOutput(1, 2);
      k.kernels().scanRows(new Float32Array([3, 4]), 1, 2, out);
      console.log(JSON.stringify({ name: k.kernels().name, reason: k.kernelsFallbackReason(), norm2: out.norms2[0] }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot.pathname,
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { name: string; reason: string; norm2: number };
    assert.equal(result.name, 'js');
    assert.match(result.reason, /WebAssembly kernels unavailable/);
    assert.equal(result.norm2, 25);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
