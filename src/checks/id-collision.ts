import { count, percent } from '../core/format.js';
import type { IdDescription } from '../sources/source.js';
import { defineCheck, type CheckResult } from './check.js';

/** Repeated ids shown in the finding, each with the rows that carry it. */
const EXAMPLES = 5;
const ROWS_PER_EXAMPLE = 5;
/** FAISS's "no id" marker (also what a search returns for a missing result). */
const FAISS_NO_ID = -1n;

export default defineCheck({
  meta: {
    code: 'id-collision',
    title: 'Every vector has its own id',
    failureTitle: 'Several vectors share one id',
    description:
      'Applications map the id a search returns to a document (a docstore key, a primary key). When two vectors ' +
      'carry the same id (two ingestion runs counting from 0, an id map appended twice, ids truncated to 32 bits) ' +
      'one document answers for both vectors and the other can never be returned: retrieval is wrong for every query ' +
      'that should find it, while the index loads and searches without complaint.',
    decides:
      'Reads every id of the index (FAISS IDMap, hnswlib labels, usearch keys) exactly as 64-bit integers, never through ' +
      'floating point, so ids beyond 2^53 are compared exactly. Fails at any repeated id (one collision is already a ' +
      'document that cannot be found), at negative ids (FAISS\'s -1 means "no id": the vector can never be returned as a ' +
      'document), and when the number of ids differs from the number of vectors. Indexes built to hold several vectors ' +
      'per key (usearch multi) are reported as info.',
    evidence: {
      ids: 'ids read (one per stored vector)',
      distinctIds: 'how many different ids they hold',
      repeatedIds: 'ids used by more than one vector',
      shadowedRows: 'vectors beyond the first for their id: documents that cannot all be returned',
      negativeIds: 'ids below zero (-1 is FAISS "no id")',
      noIdRows: "vectors whose id is -1, FAISS's marker for no id",
      firstNegativeRows: 'the first rows carrying a negative id',
      ntotal: 'vectors the index holds',
      idKind: "where the ids come from: 'idmap' / 'idmap2' (FAISS IDMap), 'labels' (hnswlib labels, usearch keys: unsigned), 'primary-key' (a live store)",
      examples: 'repeated ids (as decimal strings) with the rows carrying them',
    },
    labels: ['No.8'],
    requiredArtifacts: ['index'],
    fix: 'Assign ids from one sequence for the whole store (or from a stable content hash), upsert instead of appending, and rebuild the index from the deduplicated rows with one id per document: `vectorclinic rebuild <vectors> --ids <id column>`.',
  },
  run({ index }) {
    const ids = index?.ids;
    if (!index || !ids) return null;
    const unsigned = ids.kind === 'labels';
    const values = ids.values;
    const total = values.length;
    const sorted = sortedCopy(values);
    let distinct = 0;
    let repeatedIds = 0;
    const groups: { id: bigint; size: number }[] = [];
    for (let i = 0; i < total; ) {
      let j = i + 1;
      while (j < total && sorted[j] === sorted[i]) j++;
      distinct++;
      if (j - i > 1) {
        repeatedIds++;
        groups.push({ id: sorted[i] as bigint, size: j - i });
      }
      i = j;
    }
    const shadowedRows = total - distinct;
    const negative = unsigned ? { count: 0, noId: 0, rows: [] } : negatives(values);
    const results: CheckResult[] = [];
    const base = {
      ids: total,
      distinctIds: distinct,
      repeatedIds,
      shadowedRows,
      negativeIds: negative.count,
      ntotal: index.ntotal,
      idKind: ids.kind,
    };

    if (shadowedRows > 0) {
      groups.sort((a, b) => b.size - a.size);
      const examples = groups.slice(0, EXAMPLES).map((group) => ({
        id: display(group.id, unsigned),
        vectors: group.size,
        rows: rowsOf(values, group.id, ROWS_PER_EXAMPLE),
      }));
      const multi = index.params.multi === true;
      const largest = groups[0] as { id: bigint; size: number };
      results.push({
        severity: multi ? 'info' : 'fail',
        ...(multi ? { title: 'Several vectors per key, as this multi-key index allows' } : {}),
        message: multi
          ? `${count(repeatedIds)} keys hold several vectors each (${count(shadowedRows)} extra vectors); the index was built with multi = true, so this is by design.`
          : `${count(total)} vectors carry only ${count(distinct)} distinct ids: ${count(repeatedIds)} ids are used more than once, so ${count(shadowedRows)} vectors (${percent(shadowedRows / Math.max(1, total), 2)}) answer with another document's id. ` +
            `Id ${display(largest.id, unsigned)} alone is carried by ${count(largest.size)} vectors (rows ${examples[0]?.rows.join(', ')}).`,
        evidence: { ...base, examples },
      });
    }
    if (negative.count > 0) {
      results.push({
        severity: 'fail',
        message: `${count(negative.count)} vectors have a negative id${negative.noId ? ` (${count(negative.noId)} of them -1, FAISS's "no id")` : ''}: searches that find them return an id no document has.`,
        evidence: { ...base, noIdRows: negative.noId, firstNegativeRows: negative.rows },
      });
    }
    if (total !== index.ntotal) {
      results.push({
        severity: 'fail',
        message: `The id map holds ${count(total)} ids for ${count(index.ntotal)} vectors: ${total < index.ntotal ? 'some vectors have no id' : 'some ids point at no vector'}.`,
        evidence: base,
      });
    }
    return results;
  },
});

/** A sorted copy in the id's own order (BigInt64Array sorts numerically; equal ids end up adjacent either way). */
function sortedCopy(values: IdDescription['values']): BigInt64Array {
  const copy = values instanceof BigInt64Array ? values.slice() : BigInt64Array.from(values, (value) => BigInt.asIntN(64, value));
  return copy.sort();
}

function negatives(values: IdDescription['values']): { count: number; noId: number; rows: number[] } {
  let negativeCount = 0;
  let noId = 0;
  const rows: number[] = [];
  for (let row = 0; row < values.length; row++) {
    const id = values[row] as bigint;
    if (id >= 0n) continue;
    negativeCount++;
    if (id === FAISS_NO_ID) noId++;
    if (rows.length < ROWS_PER_EXAMPLE * 2) rows.push(row);
  }
  return { count: negativeCount, noId, rows };
}

function rowsOf(values: IdDescription['values'], id: bigint, limit: number): number[] {
  const rows: number[] = [];
  for (let row = 0; row < values.length && rows.length < limit; row++) {
    if (BigInt.asIntN(64, values[row] as bigint) === id) rows.push(row);
  }
  return rows;
}

/** Decimal text of an id: hnswlib labels and usearch keys are unsigned, FAISS ids signed. */
function display(id: bigint, unsigned: boolean): string {
  return (unsigned ? BigInt.asUintN(64, id) : id).toString();
}
