import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowStatsAccumulator, type RowStats } from '../../src/gather/row-stats.js';
import { SUM_CHUNK_ROWS } from '../../src/math/norm-sketch.js';
import { Rng } from '../../src/math/rng.js';
import type { RowBlock, Segment } from '../../src/sources/source.js';

/**
 * RowStatsAccumulator.add works on whole blocks (typed-array passes per summation chunk); one row
 * per block is the plain per-row order. Every statistic must come out the same whatever the
 * blocking: chunk boundaries inside blocks, regime runs and duplicate groups across blocks.
 */

const DIM = 8;
const ROWS = 2 * SUM_CHUNK_ROWS + 7_000;
const TOLERANCE = 1e-3;

/** Unit and raw stretches (runs past the kept maximum), zero/NaN/Inf/overflowing rows, copies of earlier rows. */
function buildRows(): Float32Array {
  const rng = new Rng(7);
  const data = new Float32Array(ROWS * DIM);
  for (let r = 0; r < ROWS; r++) {
    const row = data.subarray(r * DIM, (r + 1) * DIM);
    for (let j = 0; j < DIM; j++) row[j] = rng.nextGaussian();
    // Rows 10,000-24,999 flip regime every 3 rows: more runs than MAX_RUNS keeps.
    const unit = r < 3_000 || (r >= 10_000 && r < 25_000 && Math.floor(r / 3) % 2 === 0);
    if (unit) {
      const norm = Math.hypot(...row);
      for (let j = 0; j < DIM; j++) row[j] = (row[j] as number) / norm;
    }
    if (r % 997 === 5) row.fill(0);
    if (r % 1_499 === 11) row[3] = Number.NaN;
    if (r % 2_003 === 13) row[1] = Number.POSITIVE_INFINITY;
    // Squares past float32's range: the norm is recomputed in float64.
    if (r % 3_001 === 17) row.fill(1e30);
    if (r % 5 === 0 && r >= 100) data.copyWithin(r * DIM, (r % 40) * DIM, (r % 40) * DIM + DIM);
  }
  return data;
}

const SEGMENTS: readonly Segment[] = [
  { name: 'a', start: 0, rows: 12_345 },
  { name: 'b', start: 12_345, rows: ROWS - 12_345 - 100 },
  { name: 'c', start: ROWS - 100, rows: 100 },
];

function blockOf(data: Float32Array, rowNumbers: readonly number[], contiguous: boolean): RowBlock {
  const out = new Float32Array(rowNumbers.length * DIM);
  rowNumbers.forEach((row, i) => out.set(data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  const start = rowNumbers[0] ?? 0;
  return { start, count: rowNumbers.length, dim: DIM, data: out, ...(contiguous ? {} : { rows: rowNumbers }) };
}

function statsOf(data: Float32Array, blocks: readonly (readonly number[])[], options: { contiguous: boolean; segments?: readonly Segment[] }): RowStats {
  const accumulator = new RowStatsAccumulator(DIM, TOLERANCE, options.segments ?? [], ROWS);
  for (const rows of blocks) accumulator.add(blockOf(data, rows, options.contiguous));
  return accumulator.finish('full', ROWS);
}

function range(first: number, end: number): number[] {
  return Array.from({ length: end - first }, (_, i) => first + i);
}

function inBlocks(rows: readonly number[], size: number): number[][] {
  const blocks: number[][] = [];
  for (let i = 0; i < rows.length; i += size) blocks.push(rows.slice(i, i + size));
  return blocks;
}

const data = buildRows();
const all = range(0, ROWS);

test('one block per row, blocks of 1,000 and 10,007 rows, and one block give the same RowStats', () => {
  const perRow = statsOf(data, inBlocks(all, 1), { contiguous: true, segments: SEGMENTS });
  assert.ok(perRow.zero.count > 20 && perRow.nonfinite.count > 20 && perRow.regimes.truncated, 'the fixture exercises every path');
  assert.ok(perRow.duplicates.duplicateRows > 0 && perRow.norms.unitRows > 0 && perRow.norms.max > 1e29);
  for (const size of [1_000, 10_007, ROWS]) {
    assert.deepEqual(statsOf(data, inBlocks(all, size), { contiguous: true, segments: SEGMENTS }), perRow, `blocks of ${size} rows`);
  }
});

test('sparse row lists (a sample) give the same RowStats in one block as row by row', () => {
  const picked = all.filter((row) => row % 7 === 3 || (row > 16_000 && row < 17_000));
  const perRow = statsOf(data, inBlocks(picked, 1), { contiguous: false, segments: SEGMENTS });
  assert.deepEqual(statsOf(data, [picked], { contiguous: false, segments: SEGMENTS }), perRow);
  assert.equal(perRow.rowsScanned, picked.length);
});

test('unsorted row lists, and more rows than a summation chunk inside one chunk, give the same RowStats as row by row', () => {
  const firstChunk = range(0, SUM_CHUNK_ROWS);
  // Rows of the first chunk twice, the second time backwards, then rows of later chunks out of order.
  const listed = [...firstChunk, ...firstChunk.slice().reverse(), 30_000, 20_000, 35_000, 17];
  const perRow = statsOf(data, inBlocks(listed, 1), { contiguous: false, segments: SEGMENTS });
  assert.deepEqual(statsOf(data, [listed], { contiguous: false, segments: SEGMENTS }), perRow);
  assert.equal(perRow.rowsScanned, listed.length);
});
