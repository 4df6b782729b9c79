import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError, VectorclinicError } from '../../src/errors.js';
import type { Artifacts } from '../../src/gather/artifacts.js';
import { gather, type GatherOptions } from '../../src/gather/gather.js';
import { busyCores } from '../../src/gather/idle-cores.js';
import { scanInParallel } from '../../src/gather/parallel-scan.js';
import { RowStatsAccumulator } from '../../src/gather/row-stats.js';
import { SampleCollector } from '../../src/gather/sample-collector.js';
import { SUM_CHUNK_ROWS } from '../../src/math/norm-sketch.js';
import { Rng, sampleIndices } from '../../src/math/rng.js';
import type { FixedRowSource } from '../../src/sources/files/fixed-row-source.js';
import { openNpy } from '../../src/sources/files/npy.js';
import { writeNpy } from '../helpers/npy.js';
import { openVecs } from '../../src/sources/files/vecs.js';

const dataDirectory = new URL('../../../shared/data/wordnet-ft128/', import.meta.url).pathname;
let directory = '';

function writeFvecs(path: string, data: Float32Array, rows: number, dim: number): void {
  const out = Buffer.alloc(rows * (4 + dim * 4));
  for (let r = 0; r < rows; r++) {
    out.writeInt32LE(dim, r * (4 + dim * 4));
    out.set(new Uint8Array(data.buffer, data.byteOffset + r * dim * 4, dim * 4), r * (4 + dim * 4) + 4);
  }
  writeFileSync(path, out);
}

async function readAll(path: string): Promise<{ data: Float32Array; rows: number; dim: number }> {
  const source = openNpy(path);
  try {
    const { rows, dim } = await source.describe();
    const block = await source.readRows(Array.from({ length: rows }, (_, i) => i));
    return { data: block.data, rows, dim };
  } finally {
    await source.close();
  }
}

function normalizeRow(data: Float32Array, row: number, dim: number): void {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[row * dim + j] as number) ** 2;
  const scale = 1 / Math.sqrt(sum);
  for (let j = 0; j < dim; j++) data[row * dim + j] = (data[row * dim + j] as number) * scale;
}

/**
 * 60,000 rows of real embeddings built to stress every merge: model A raw, then model A with the
 * regime flipping every 3 rows (more runs than are kept), then model B; zero and NaN/Inf rows on
 * both sides of range boundaries (more than the 20 first rows kept), and copies of early rows
 * late in the file (duplicate groups spanning ranges).
 */
async function buildMixedRows(): Promise<{ data: Float32Array; rows: number; dim: number }> {
  const modelA = await readAll(join(dataDirectory, 'docs.f32.npy'));
  const modelB = await readAll(join(dataDirectory, 'docs_model_b.f32.npy'));
  const dim = modelA.dim;
  const rows = 60_000;
  const data = new Float32Array(rows * dim);
  data.set(modelA.data, 0);
  data.set(modelA.data, 20_000 * dim);
  data.set(modelB.data, 40_000 * dim);
  for (let row = 20_000; row < 40_000; row++) if (Math.floor(row / 3) % 2 === 0) normalizeRow(data, row, dim);
  const boundary = SUM_CHUNK_ROWS;
  for (const row of [5, boundary - 1, boundary, 2 * boundary + 1, ...Array.from({ length: 30 }, (_, i) => 3 * boundary + 7 * i)]) {
    data.fill(0, row * dim, (row + 1) * dim);
  }
  for (const row of [17, boundary + 3, 2 * boundary - 1, ...Array.from({ length: 25 }, (_, i) => 50_000 + 11 * i)]) {
    data[row * dim + (row % dim)] = row % 2 ? NaN : -Infinity;
  }
  for (let copy = 0; copy < 40; copy++) data.copyWithin((58_000 + copy) * dim, (100 + (copy % 8)) * dim, (101 + (copy % 8)) * dim);
  return { data, rows, dim };
}

function gatherOptions(extra: Partial<GatherOptions> = {}): GatherOptions {
  return { sample: 3000, seed: 7, full: false, probeQueries: 10, k: 10, scanBudgetBytes: 2 ** 40, ...extra };
}

/** What a caller sees of a scan; the sample as a plain array (the parallel one lives in shared memory). */
function scanFacts(artifacts: Artifacts): unknown {
  return { rowStats: artifacts.rowStats, sample: { ...artifacts.sample, data: Array.from(artifacts.sample.data) } };
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'vectorclinic-parallel-'));
  const mixed = await buildMixedRows();
  writeNpy(join(directory, 'mixed.npy'), mixed.data, mixed.rows, mixed.dim);
  writeFvecs(join(directory, 'mixed.fvecs'), mixed.data, mixed.rows, mixed.dim);
  writeFvecs(join(directory, 'corrupt.fvecs'), mixed.data, mixed.rows, mixed.dim);
});

after(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

test('the real 20,000-row file gives identical RowStats and sample on 1 and 2 threads', async () => {
  const path = join(dataDirectory, 'docs.f32.npy');
  const results = [];
  for (const scanThreads of [1, 2]) {
    const source = openNpy(path);
    try {
      results.push(scanFacts(await gather(source, { from: 'options' }, gatherOptions({ scanThreads }))));
    } finally {
      await source.close();
    }
  }
  assert.deepStrictEqual(results[1], results[0]);
});

test('a mixed file split into three ranges merges to the sequential RowStats and sample, for npy and fvecs', async () => {
  for (const name of ['mixed.npy', 'mixed.fvecs']) {
    const path = join(directory, name);
    const open = (): FixedRowSource => (name.endsWith('.npy') ? openNpy(path) : openVecs(path, 'fvecs'));
    const facts: unknown[] = [];
    const progress: number[][] = [];
    for (const scanThreads of [1, 3]) {
      const source = open();
      const seen: number[] = [];
      try {
        const artifacts = await gather(source, { from: 'options' }, gatherOptions({ scanThreads, onProgress: (p) => seen.push(p.done) }));
        facts.push(scanFacts(artifacts));
        if (scanThreads === 1) {
          // The file exercises what it was built for: truncated runs, capped first-row lists, duplicates.
          const stats = artifacts.rowStats;
          assert.equal(stats.regimes.truncated, true);
          assert.equal(stats.zero.count, 34);
          assert.equal(stats.nonfinite.count, 28);
          assert.equal(stats.zero.firstRows.length, 20);
          assert.ok(stats.duplicates.duplicateRows >= 40);
        }
      } finally {
        await source.close();
      }
      progress.push(seen);
    }
    assert.deepStrictEqual(facts[1], facts[0], name);
    assert.equal(progress[1]?.at(-1), 60_000, 'progress reaches every row');
  }
});

test('segment statistics merge across ranges too', async () => {
  const path = join(directory, 'mixed.npy');
  const source = openNpy(path);
  try {
    const plain = await source.describe();
    const description = {
      ...plain,
      segments: [
        { name: 'a', start: 0, rows: 25_000 },
        { name: 'b', start: 25_000, rows: 30_000 },
        { name: 'c', start: 55_000, rows: 5000 },
      ],
    };
    const sampleRows = sampleIndices(description.rows, 500, new Rng(3));
    const sequential = new RowStatsAccumulator(description.dim, description.normTolerance, description.segments);
    const collector = new SampleCollector(sampleRows, description.dim);
    for await (const block of source.scan()) {
      sequential.add(block);
      collector.take(block);
    }
    const parallel = await scanInParallel(source, description, sampleRows, 3);
    assert.deepStrictEqual(parallel.rowStats, sequential.finish('full', description.rows));
    assert.deepStrictEqual(Array.from(parallel.sample.data), Array.from(collector.finish().data));
  } finally {
    await source.close();
  }
});

test('a corrupt row in a worker range fails with the same InputError as a sequential scan', async () => {
  // Rows 40,000 (third range) and 50,000 (fourth range) claim another dimension.
  const path = join(directory, 'corrupt.fvecs');
  const rowBytes = 4 + 128 * 4;
  const wrongDim = Buffer.alloc(4);
  wrongDim.writeInt32LE(96, 0);
  const fd = openSync(path, 'r+');
  writeSync(fd, wrongDim, 0, 4, 50_000 * rowBytes);
  writeSync(fd, wrongDim, 0, 4, 40_000 * rowBytes);
  closeSync(fd);
  const errors: unknown[] = [];
  for (const scanThreads of [1, 4]) {
    const source = openVecs(path, 'fvecs');
    try {
      await gather(source, { from: 'options' }, gatherOptions({ scanThreads }));
      assert.fail('the scan should have failed');
    } catch (error) {
      errors.push(error);
    } finally {
      await source.close();
    }
  }
  const [sequential, parallel] = errors as [InputError, InputError];
  assert.ok(VectorclinicError.isInstance(parallel) && parallel instanceof InputError, String(parallel));
  assert.equal(sequential.row, 40_000, 'the earliest corrupt row is reported');
  assert.deepEqual(
    { message: parallel.message, where: parallel.where, row: parallel.row, byteOffset: parallel.byteOffset, hint: parallel.hint },
    { message: sequential.message, where: sequential.where, row: sequential.row, byteOffset: sequential.byteOffset, hint: sequential.hint },
  );
});

test('an aborted parallel scan rejects with the abort reason', async () => {
  const source = openNpy(join(directory, 'mixed.npy'));
  try {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(gather(source, { from: 'options' }, gatherOptions({ scanThreads: 4, signal: controller.signal })), /stop/);
  } finally {
    await source.close();
  }
});

test('busy cores: the load average, lowered by the tasks runnable now (a cold read just before leaves a load of 1)', () => {
  assert.equal(busyCores({ loadAverage: 1.1 }), 1);
  // Only this thread runs: the load of 1.1 was a finished cat waiting on the disk.
  assert.equal(busyCores({ loadAverage: 1.1, runnable: 1 }), 0);
  assert.equal(busyCores({ loadAverage: 1.9, runnable: 2 }), 1);
  // A burst of runnable tasks does not raise what the average says.
  assert.equal(busyCores({ loadAverage: 0.4, runnable: 6 }), 0);
  assert.equal(busyCores({ loadAverage: 9.3, runnable: 15 }), 9);
  // This process's own running threads (a prefetch copying, V8's helpers) are not others' load.
  assert.equal(busyCores({ loadAverage: 1.2, runnable: 3, ownRunning: 3 }), 0);
  assert.equal(busyCores({ loadAverage: 1.2, runnable: 3, ownRunning: 2 }), 1);
  assert.equal(busyCores({ loadAverage: 1.2, runnable: 2, ownRunning: 0 }), 1);
});

test('a file not in the page cache is scanned by one thread (one read stream keeps up with the disk)', async () => {
  const { parallelScanThreads, PARALLEL_SCAN_MIN_BYTES } = await import('../../src/gather/parallel-scan.js');
  const path = join(directory, 'probe.npy');
  writeNpy(path, new Float32Array(4096 * 8), 4096, 8);
  const source = openNpy(path);
  try {
    const real = await source.describe();
    // As if the file were large: the thread count then depends on the page-cache probe alone.
    const description = { ...real, rows: 1 << 24, storage: { ...real.storage, bytes: PARALLEL_SCAN_MIN_BYTES } };
    const probed = (inPageCache: boolean) => ({ ...source, rangeScanning: { ...source.rangeScanning, inPageCache: () => inPageCache } }) as unknown as FixedRowSource;
    assert.equal(parallelScanThreads(probed(false), description), 1);
    assert.equal(parallelScanThreads(probed(true), description, 3), 3, 'an explicit thread count is kept');
    assert.equal(parallelScanThreads(probed(false), description, 3), 3, 'whatever the probe says');
    // The probe itself answers (how fast is a timing: not asserted here, where CI load varies it).
    assert.equal(typeof source.rangeScanning.inPageCache?.(), 'boolean');
  } finally {
    await source.close();
  }
});
