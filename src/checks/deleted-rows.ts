import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { deletedMarks, type DeletedMarks } from '../computed/deleted-marks.js';
import { defineCheck } from './check.js';

/**
 * Deleted entries only cost retrieval through what search does (measured: short lists, deleted ids
 * returned, recall). Beyond a tenth of the graph they are worth saying, as info: a tenth of every
 * walk goes through entries that can never be results, and the capacity they hold is not reused.
 */
export const DELETED_INFO_SHARE = 0.1;
/** A tenth of searches coming back short: most users of the index see it. */
export const SHORT_FAIL = 0.1;

export default defineCheck({
  meta: {
    code: 'deleted-rows',
    title: 'Deleted entries do not change what search returns',
    failureTitle: 'Deleted entries change what search returns',
    description:
      "Deleting from a graph index only marks the entry (hnswlib markDelete, usearch remove): its vector and links stay in the file, search walks through it and skips it in the results. " +
      'Many marks leave searches with fewer than k results or a graph whose live rows are poorly linked; a mark that search ignores returns documents that were deleted.',
    decides:
      "Index files: counts the entries carrying the engine's delete mark (hnswlib: the mark in each element's level-0 link-list header; usearch: the header's removed count). " +
      `Sampled live rows are searched with the index at the audited setting (the self-search of unreachable-rows): fails when a result names a deleted entry, warns when searches return fewer than k ids although the index holds k live rows (fails when the 95% interval of that share is above ${percent(SHORT_FAIL, 0)}). ` +
      `Without either, more than ${percent(DELETED_INFO_SHARE, 0)} of entries deleted is reported as info. FAISS IDMap/IVF remove_ids deletes entries outright (nothing stays marked), so FAISS files have no marks to count. Live stores (dead tuples, deletion files) are counted by the store side of this check.`,
    evidence: {
      deleted: 'entries carrying the delete mark',
      entries: 'entries the file holds, deleted ones included',
      deletedShare: 'their share of entries',
      firstDeletedIds: 'ids of the first deleted entries (hnswlib labels; usearch overwrites a removed key)',
      stillRoute: 'whether search still walks through deleted entries',
      method: 'where the count comes from',
      searches: 'searches measured, with how many returned fewer than k ids (and the 95% interval of that share) and how many deleted ids they returned',
    },
    labels: ['No.8'],
    requiredArtifacts: ['index'],
    fix: 'Rebuild or compact the index without the deleted entries (hnswlib: re-add the live rows to a new index, or reuse the slots with allow_replace_deleted; usearch: compact() or rebuild): `vectorclinic rebuild`.',
  },
  run(artifacts) {
    const marks = deletedMarks(artifacts);
    if (!marks) return null;
    const evidence = evidenceOf(marks);
    const held = `The index holds ${count(marks.count)} deleted entries among ${count(marks.entries)} (${percent(marks.share, 1)})${marks.stillRoute ? ', which search still walks through but never returns' : ''}.`;
    const search = marks.search;
    if (search && search.deletedReturned > 0) {
      return {
        severity: 'fail',
        message: `${held} Yet ${count(search.deletedReturned)} results of ${count(search.queries)} searches named a deleted entry: deleted documents come back.`,
        evidence,
      };
    }
    if (search && search.shortLists > 0) {
      const short = `${count(search.shortLists)} of ${count(search.queries)} searches (${percent(search.shortLists / search.queries, 1)}, 95% interval ${percent(search.shortLow, 1)}–${percent(search.shortHigh, 1)}) returned fewer than ${search.k} ids although the index holds at least ${search.k} live rows`;
      return { severity: search.shortLow > SHORT_FAIL ? 'fail' : 'warn', message: `${held} ${short}: the deleted entries take the places of live results.`, evidence };
    }
    if (marks.share <= DELETED_INFO_SHARE) return null;
    return {
      severity: 'info',
      title: 'Many deleted entries, no effect on results measured',
      message: `${held}${search ? ` Every one of ${count(search.queries)} searches returned ${search.k} live ids.` : ''} The space is not reused and every search walks through them; compact or rebuild when convenient.`,
      evidence,
    };
  },
});

function evidenceOf(marks: DeletedMarks): Evidence {
  const search = marks.search;
  return {
    deleted: marks.count,
    entries: marks.entries,
    deletedShare: round(marks.share, 4),
    firstDeletedIds: [...marks.examples],
    stillRoute: marks.stillRoute,
    method: marks.method,
    searches: search
      ? { queries: search.queries, k: search.k, shortLists: search.shortLists, shortInterval95: [round(search.shortLow, 4), round(search.shortHigh, 4)], deletedReturned: search.deletedReturned }
      : null,
  };
}
