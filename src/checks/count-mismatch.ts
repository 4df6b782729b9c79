import { count, percent, round } from '../core/format.js';
import { defineCheck, type CheckResult } from './check.js';

/**
 * Sampled ids whose stored vector is not their reference row. Below both bounds it is rounding
 * noise (a handful of rows near the similarity cut); above either, vectors were overwritten.
 */
const CONTENT_FAIL_SHARE = 0.01;
const CONTENT_FAIL_MIN = 3;

export default defineCheck({
  meta: {
    code: 'count-mismatch',
    title: 'The index holds exactly the reference vectors',
    failureTitle: 'The index does not hold the vectors it was built from',
    description:
      'An index built from a set of embeddings should hold each of them exactly once under its own id. Batches that ' +
      'failed or were skipped leave documents that no query can find; batches added twice, or added again with ids ' +
      'counting from 0 (hnswlib and usearch then overwrite the earlier vectors), return the wrong document or the ' +
      'same one twice. The index still loads and answers every query.',
    decides:
      'Only with --vectors FILE (the source embeddings). Maps reference row r to id r (LangChain and FAISS IDMap ' +
      "numbering; when under 90% of the index ids are row numbers, row r is the index's r-th stored vector instead). " +
      'Fails when the vectors the index can return differ in number from the valid reference rows (or all its rows), ' +
      'when reference rows have no id in the index or index ids match no reference row, and when at least ' +
      `${percent(CONTENT_FAIL_SHARE, 0)} (and ${CONTENT_FAIL_MIN}) of up to 1,000 sampled ids hold a vector that is not their reference row (cosine < 0.98).`,
    evidence: {
      indexRows: 'vectors the index holds (ntotal)',
      indexLiveRows: 'vectors searches can return (deleted ones excluded)',
      referenceRows: 'rows of the --vectors file',
      referenceValidRows: 'reference rows that are finite and not all-zero',
      missingIds: 'reference rows with no vector in the index (count and first ids)',
      extraIds: 'index ids that are no reference row (count and first ids)',
      overwritten: 'sampled ids whose stored vector is another row (count, rows compared, examples with their cosine)',
      mapping: "'row-number' (row r is id r) or 'position' (row r is the index's r-th vector)",
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['reference'],
    fix: 'Rebuild the index from the reference file in one pass, one id per row (row number or a stable document id), and make ingestion idempotent (upsert by id, never re-add a batch with restarted ids): `vectorclinic rebuild <vectors>`.',
  },
  run({ reference }) {
    if (!reference) return null;
    const results: CheckResult[] = [];
    const base = {
      indexRows: reference.indexRows,
      indexLiveRows: reference.indexLiveRows,
      referenceRows: reference.rows,
      referenceValidRows: reference.validRows,
      mapping: reference.mapping,
      missingIds: reference.missingIds ? { count: reference.missingIds.count, first: [...reference.missingIds.examples] } : null,
      extraIds: reference.extraIds ? { count: reference.extraIds.count, first: [...reference.extraIds.examples] } : null,
    };
    const live = reference.indexLiveRows;
    const countsAgree = live === reference.validRows || live === reference.rows;
    const missing = reference.missingIds?.count ?? 0;
    const extra = reference.extraIds?.count ?? 0;
    if (!countsAgree || missing > 0 || extra > 0) {
      const difference = live - reference.validRows;
      const what =
        difference < 0
          ? `${count(-difference)} fewer than the ${count(reference.validRows)} valid rows of ${reference.target}: rows were dropped, or later batches overwrote earlier ones under the same ids`
          : difference > 0
            ? `${count(difference)} more than the ${count(reference.validRows)} valid rows of ${reference.target}: rows were added twice or the index also holds other data`
            : `as many as the valid rows of ${reference.target}, but not the same ones`;
      results.push({
        severity: 'fail',
        message:
          `The index can return ${count(live)} vectors, ${what}.` +
          (missing > 0 ? ` ${count(missing)} reference rows have no vector in the index (ids ${reference.missingIds!.examples.join(', ')}${missing > reference.missingIds!.examples.length ? ', …' : ''}).` : '') +
          (extra > 0 ? ` ${count(extra)} index ids are no row of the reference (${reference.extraIds!.examples.join(', ')}${extra > reference.extraIds!.examples.length ? ', …' : ''}).` : ''),
        evidence: base,
      });
    }
    const content = reference.content;
    if (content && content.compared > 0 && content.differing >= CONTENT_FAIL_MIN && content.differing / content.compared >= CONTENT_FAIL_SHARE) {
      const share = content.differing / content.compared;
      results.push({
        severity: 'fail',
        message:
          `${count(content.differing)} of ${count(content.compared)} sampled ids (${percent(share, 1)}) hold a vector that is not their reference row ` +
          `(e.g. id ${content.examples[0]?.id}: cosine ${round(content.examples[0]?.cosine ?? NaN, 3)}): ` +
          (share > 0.9 ? 'the index was built from other embeddings than this file (another model or another row order).' : 'those vectors were overwritten by a later add under the same ids.'),
        evidence: {
          ...base,
          overwritten: {
            count: content.differing,
            compared: content.compared,
            examples: content.examples.map((example) => ({ id: example.id, cosine: round(example.cosine, 4) })),
          },
        },
      });
    }
    return results;
  },
});
