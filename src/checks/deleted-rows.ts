import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { deletedMarks, type DeletedMarks } from '../computed/deleted-marks.js';
import type { DeletedRowsAudit } from '../gather/artifacts.js';
import { defineCheck, notRun, type CheckResult } from './check.js';

/**
 * Deleted entries only cost retrieval through what search does (measured: short lists, deleted ids
 * returned). Beyond a tenth of a graph file they are worth saying, as info: a tenth of every walk
 * goes through entries that can never be results, and the capacity they hold is not reused.
 */
export const DELETED_INFO_SHARE = 0.1;
/** A tenth of searches coming back short: most users of the index see it. */
export const SHORT_FAIL = 0.1;

const FILE_FIX =
  'Rebuild or compact the index without the deleted entries (hnswlib: re-add the live rows to a new index, or reuse the slots with allow_replace_deleted; usearch: compact() or rebuild): `vectorclinic rebuild`.';

export default defineCheck({
  meta: {
    code: 'deleted-rows',
    title: 'Deleted entries do not change what search returns',
    failureTitle: 'Deleted entries change what search returns',
    description:
      'Deleting or updating rows leaves their old entries in the index until the engine cleans up: Postgres keeps dead tuples until VACUUM, LanceDB keeps deletion files until compaction, ' +
      'hnswlib (markDelete) and usearch (remove) only mark the entry, whose vector and links stay in the file. Search still walks these entries and throws them away: a LIMIT 10 query whose ' +
      'candidates are mostly dead returns fewer rows, even none (pgvector#244), and an index that still returns deleted ids hands the application documents that no longer exist.',
    decides:
      "Reads the deleted entries the engine counts (pgvector: n_dead_tup, last vacuum and autovacuum, index entries beyond the live rows; LanceDB: rows in deletion files, versions; hnswlib: the mark in each element's level-0 link-list header; usearch: the header's removed count). " +
      "When there are any, sampled live rows are searched at the index's settings (live stores: 50 rows; index files: the self-search of unreachable-rows). " +
      `Fails when a result names a deleted entry; warns when searches return fewer rows than exist (live stores: fewer than min(10, live rows), failing when half the queries come back short; index files: fewer than k ids although k live rows exist, failing when the 95% interval of that share is above ${percent(SHORT_FAIL, 0)}). ` +
      `With no measured consequence, deleted entries beyond the share at which the engine's own clean-up would have acted (Postgres autovacuum: 20% of the rows; LanceDB compaction: 10%; graph files: ${percent(DELETED_INFO_SHARE, 0)}) are info. ` +
      'FAISS remove_ids deletes entries outright (nothing stays marked), so FAISS files have none to count. A store that does not expose deleted entries (Chroma): not run, with why.',
    evidence: {
      deletedRows: 'live stores: deleted (dead) entries the store still holds, as the engine counts them',
      liveRows: 'live stores: rows searches should see',
      deletedShare: 'deleted entries as a share of all entries',
      method: 'how they were counted',
      engine: 'live stores: engine facts (last vacuum/autovacuum, index size and tuples, versions, deletion files)',
      search: 'live stores: sampled live rows searched: queries, those answered with fewer rows than expected, ids returned that the store no longer holds',
      deleted: 'index files: entries carrying the delete mark',
      entries: 'index files: entries the file holds, deleted ones included',
      firstDeletedIds: 'index files: ids of the first deleted entries (hnswlib labels; usearch overwrites a removed key)',
      stillRoute: 'index files: whether search still walks through deleted entries',
      searches: 'index files: searches measured, with how many returned fewer than k ids (and the 95% interval of that share) and how many deleted ids they returned',
    },
    labels: ['No.8'],
    requiredArtifacts: [],
    optionalArtifacts: ['deletedRows', 'index', 'reachability', 'source'],
    fix: "Run the engine's clean-up (VACUUM, and REINDEX after mass deletes, for pgvector; optimize()/compaction for LanceDB) or rebuild a graph file without its deleted entries, and keep clean-up running.",
  },
  run(artifacts) {
    if (artifacts.deletedRows) return storeDeletedRows(artifacts.deletedRows);
    if (!artifacts.source.local) return notRun('this store does not expose its deleted entries');
    if (!artifacts.index) return notRun('deleted entries are counted in graph index files (hnswlib, usearch) and live stores (pgvector, LanceDB); this target is a plain vector file');
    const marks = deletedMarks(artifacts);
    return marks ? fileDeletedRows(marks) : null;
  },
});

/** Live stores: dead tuples / deletion files, and what the store's own search returns because of them. */
function storeDeletedRows(audit: DeletedRowsAudit): CheckResult | ReturnType<typeof notRun> | null {
  const { facts, search } = audit;
  if (facts.deletedRows === null) return notRun(facts.unavailable ?? 'the store does not say how many deleted entries it holds');
  if (facts.deletedRows === 0) return null;
  const share = facts.deletedRows / Math.max(1, facts.deletedRows + facts.liveRows);
  const held = `The store holds ${count(facts.deletedRows)} deleted entries beside ${count(facts.liveRows)} live rows (${percent(share, 1)} of all entries; ${facts.method}).`;
  const evidence = storeEvidence(audit, share);
  if (search && (search.shortQueries > 0 || search.missingIds > 0)) {
    const short = search.shortQueries > 0 ? `${search.shortQueries} of ${search.queries} searches for live rows returned fewer than ${search.expected} rows` : '';
    const missing = search.missingIds > 0 ? `${search.missingIds} returned ids no longer exist in the store (${search.missingExamples.join(', ')})` : '';
    return {
      severity: search.shortQueries * 2 >= search.queries ? 'fail' : 'warn',
      message: `${held} ${capitalize([short, missing].filter(Boolean).join('; '))}: the index still walks the deleted entries.`,
      evidence,
      fix: `${capitalize(facts.cleanup)}.`,
    };
  }
  // Below the engine's own clean-up point nothing is overdue.
  if (share <= facts.cleanupAt.share) return null;
  return {
    severity: 'info',
    title: 'Many deleted entries awaiting clean-up (search not affected yet)',
    message: `${held} ${search ? `${search.queries} searches for live rows came back whole, so retrieval is not affected yet; ` : ''}that is more than ${facts.cleanupAt.rule} allows before cleaning up, and the more dead entries a scan visits, the sooner filtered and LIMIT queries come back short.`,
    evidence,
    fix: `${capitalize(facts.cleanup)}.`,
  };
}

/** Index files: entries carrying the engine's delete mark, and what the self-search measured. */
function fileDeletedRows(marks: DeletedMarks): CheckResult | null {
  const evidence = fileEvidence(marks);
  const held = `The index holds ${count(marks.count)} deleted entries among ${count(marks.entries)} (${percent(marks.share, 1)})${marks.stillRoute ? ', which search still walks through but never returns' : ''}.`;
  const search = marks.search;
  if (search && search.deletedReturned > 0) {
    return {
      severity: 'fail',
      message: `${held} Yet ${count(search.deletedReturned)} results of ${count(search.queries)} searches named a deleted entry: deleted documents come back.`,
      evidence,
      fix: FILE_FIX,
    };
  }
  if (search && search.shortLists > 0) {
    const short = `${count(search.shortLists)} of ${count(search.queries)} searches (${percent(search.shortLists / search.queries, 1)}, 95% interval ${percent(search.shortLow, 1)}–${percent(search.shortHigh, 1)}) returned fewer than ${search.k} ids although the index holds at least ${search.k} live rows`;
    return { severity: search.shortLow > SHORT_FAIL ? 'fail' : 'warn', message: `${held} ${short}: the deleted entries take the places of live results.`, evidence, fix: FILE_FIX };
  }
  if (marks.share <= DELETED_INFO_SHARE) return null;
  return {
    severity: 'info',
    title: 'Many deleted entries, no effect on results measured',
    message: `${held}${search ? ` Every one of ${count(search.queries)} searches returned ${search.k} live ids.` : ''} The space is not reused and every search walks through them; compact or rebuild when convenient.`,
    evidence,
    fix: FILE_FIX,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function storeEvidence(audit: DeletedRowsAudit, share: number): Evidence {
  const { facts, search } = audit;
  return {
    deletedRows: facts.deletedRows,
    liveRows: facts.liveRows,
    deletedShare: Math.round(share * 10_000) / 10_000,
    method: facts.method,
    engine: { ...facts.facts },
    search: search ? { queries: search.queries, shortQueries: search.shortQueries, expectedRows: search.expected, missingIds: search.missingIds, missingExamples: [...search.missingExamples] } : null,
  };
}

function fileEvidence(marks: DeletedMarks): Evidence {
  const search = marks.search;
  return {
    deleted: marks.count,
    entries: marks.entries,
    deletedShare: round(marks.share, 4),
    firstDeletedIds: [...marks.examples],
    stillRoute: marks.stillRoute,
    method: marks.method,
    searches: search ? { queries: search.queries, k: search.k, shortLists: search.shortLists, shortInterval95: [round(search.shortLow, 4), round(search.shortHigh, 4)], deletedReturned: search.deletedReturned } : null,
  };
}
