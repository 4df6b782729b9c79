import type { VectorSource } from '../sources/source.js';
import { AUDIT_K } from './ann-audit.js';
import type { DeletedRowsAudit, VectorSample } from './artifacts.js';

/** 50 live rows searched for their neighbours: a store that returns short lists for 1 in 10 shows it. */
const DELETED_PROBES = 50;
/** Ids looked up per search result, at most (the lookup is one query). */
const MAX_EXAMPLES = 5;

/**
 * What a store says about the deleted entries it still holds, and, when it holds some, what its own
 * search returns because of them: sampled live rows searched at the index's settings, counting
 * lists shorter than k (dead entries filling the candidate list, pgvector#244) and ids that no
 * longer exist in the store.
 */
export async function gatherDeletedRows(source: VectorSource, sample: VectorSample, seed: number): Promise<DeletedRowsAudit | undefined> {
  if (!source.deletedRows) return undefined;
  const facts = await source.deletedRows();
  if (!source.search || !facts.deletedRows || facts.liveRows === 0) return { facts };
  const queries = usableRows(sample, DELETED_PROBES, seed);
  const count = queries.length / Math.max(1, sample.dim);
  if (count === 0) return { facts };
  const result = await source.search.query({ queries, count, k: AUDIT_K });
  const expected = Math.min(AUDIT_K, facts.liveRows);
  const shortQueries = result.ids.filter((ids) => ids.length < expected).length;
  const returned = [...new Set(result.ids.flat().map(String))];
  const known = source.knownDocumentIds && returned.length ? await source.knownDocumentIds(returned) : undefined;
  const missing = known ? returned.filter((id) => !known.has(id)) : [];
  return { facts, search: { queries: result.ids.length, shortQueries, expected, missingIds: missing.length, missingExamples: missing.slice(0, MAX_EXAMPLES) } };
}

/** Up to `count` sampled rows that are finite and not all-zero (a zero vector has no neighbours to find), from a seeded offset. */
function usableRows(sample: VectorSample, count: number, seed: number): Float32Array {
  const { dim } = sample;
  const out = new Float32Array(Math.min(count, sample.count) * dim);
  let kept = 0;
  for (let i = 0; i < sample.count && kept < count; i++) {
    const row = sample.data.subarray(((i + seed) % sample.count) * dim, (((i + seed) % sample.count) + 1) * dim);
    if (row.every(Number.isFinite) && row.some((value) => value !== 0)) out.set(row, kept++ * dim);
  }
  return out.subarray(0, kept * dim);
}
