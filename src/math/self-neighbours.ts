import type { Rows } from '../core/rows.js';
import { kernels } from './kernels.js';

/** Query rows per kernel call: bounds the score block to BLOCK × count floats. */
const BLOCK = 64;

/**
 * Each row's `k` nearest other rows of the same matrix by dot product, best first (row i's list
 * at ids[i * k]). Every pair's score is computed once and offered to both rows' lists: the dot
 * kernels sum a·b and b·a in the same order, so the lists are the ones the full score matrix
 * gives (`exactSearchReference` with the row itself excluded), ties included, at half the work.
 * Offers reach every list in ascending row order, so of equal scores the lower row is kept.
 * NaN and -Infinity scores never rank; a list with fewer than `k` such rows ends in -1.
 */
export function selfNeighbourLists(rows: Rows, k: number): Int32Array {
  const { data, count: m, dim } = rows;
  const kk = Math.max(0, Math.min(k, m - 1));
  const ids = new Int32Array(m * kk).fill(-1);
  if (kk === 0) return ids;
  const best = new Float32Array(m * kk).fill(Number.NEGATIVE_INFINITY);
  const sizes = new Int32Array(m);
  // Each list's entry bar: its k-th best score once full. A score must beat it to enter.
  const bar = new Float32Array(m).fill(Number.NEGATIVE_INFINITY);
  const scores = new Float32Array(Math.min(BLOCK, m) * m);
  const offer = (row: number, id: number, score: number): void => {
    const base = row * kk;
    const size = sizes[row] as number;
    let position = size < kk ? size : kk - 1;
    if (size < kk) sizes[row] = size + 1;
    while (position > 0 && (best[base + position - 1] as number) < score) {
      best[base + position] = best[base + position - 1] as number;
      ids[base + position] = ids[base + position - 1] as number;
      position--;
    }
    best[base + position] = score;
    ids[base + position] = id;
    if (size + 1 >= kk) bar[row] = best[base + kk - 1] as number;
  };
  for (let start = 0; start < m; start += BLOCK) {
    const blockRows = Math.min(BLOCK, m - start);
    const later = m - start;
    // This block's rows against themselves and every later row: the upper triangle.
    kernels().dot({ data: data.subarray(start * dim, (start + blockRows) * dim), count: blockRows, dim }, { data: data.subarray(start * dim, m * dim), count: later, dim }, scores);
    for (let r = 0; r < blockRows; r++) {
      const i = start + r;
      const offset = r * later - start;
      let barI = bar[i] as number;
      for (let j = i + 1; j < m; j++) {
        const score = scores[offset + j] as number;
        // Comparisons with NaN are false: a NaN score enters no list.
        if (score > barI) {
          offer(i, j, score);
          barI = bar[i] as number;
        }
        if (score > (bar[j] as number)) offer(j, i, score);
      }
    }
  }
  return ids;
}
