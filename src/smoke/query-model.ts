import { figure } from '../core/format.js';
import { compareQueryModel } from '../computed/query-model.js';
import { readManifest } from '../manifest/manifest.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { normalizedCopy, rowNorms, selectRows } from '../math/vectors.js';
import { openSource } from '../sources/open-source.js';
import type { Rows } from '../core/rows.js';

/** Stored rows read to compare the query vectors with: enough for the held-out baseline and the pool. */
const STORE_SAMPLE = 1000;

/** Query vectors smoke embedded or read. */
export type QueryVectors = Rows;

/**
 * The query-model-mismatch test of `check`, run on smoke's own query vectors against a sample of
 * the target's rows: a warning line when they come from another model, a note when it could not
 * be judged for a reason the user can act on, nothing otherwise.
 */
export async function queryModelWarning(target: string, queries: QueryVectors): Promise<string | undefined> {
  // A whitened store is compared in the whitening's coordinates, which raw query vectors are not in
  // until the searcher transforms them: the test would see two models where there is one.
  if (readManifest(target)?.manifest.whitening?.applied) return undefined;
  let stored: { data: Float32Array; count: number; dim: number };
  try {
    const source = await openSource(target, {});
    try {
      const { rows, dim } = await source.describe();
      const picked = sampleIndices(rows, Math.min(rows, STORE_SAMPLE), new Rng(0x5e0));
      const block = await source.readRows(picked);
      stored = { data: block.data, count: block.count, dim };
    } finally {
      await source.close();
    }
  } catch {
    return 'could not read a sample of the store to check that the query vectors come from its model (vectorclinic check TARGET --queries Q does)';
  }
  const storeValid = validRows(stored);
  const queryValid = validRows(queries);
  const fit = compareQueryModel({
    queries: { data: queryValid.data, count: queryValid.count, dim: queries.dim },
    storeUnit: { data: normalizedCopy(storeValid.data, storeValid.count, stored.dim), count: storeValid.count, dim: stored.dim },
    seed: 0,
  });
  if (!fit?.mismatch) return undefined;
  return (
    `the query vectors look like another embedding model's than the store's: they match the stored rows no better than chance ` +
    `(median best-match cosine ${figure(fit.queryBestMatchMedian, 3)} vs ${figure(fit.heldOutBestMatchMedian, 3)} for stored rows; vectorclinic explain query-model-mismatch)`
  );
}

function validRows(matrix: { data: Float32Array; count: number; dim: number }): { data: Float32Array; count: number } {
  const norms = rowNorms(matrix.data, matrix.count, matrix.dim);
  const keep: number[] = [];
  norms.forEach((norm, i) => norm > 0 && Number.isFinite(norm) && keep.push(i));
  return keep.length === matrix.count ? { data: matrix.data, count: matrix.count } : { data: selectRows(matrix.data, matrix.dim, keep), count: keep.length };
}
