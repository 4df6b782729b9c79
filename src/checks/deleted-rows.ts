import { count, percent } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import type { DeletedRowsAudit } from '../gather/artifacts.js';
import { defineCheck, notRun } from './check.js';

export default defineCheck({
  meta: {
    code: 'deleted-rows',
    title: 'Deleted rows do not disturb search',
    failureTitle: 'Deleted rows still in the index change what search returns',
    description:
      'Deleting or updating rows leaves their old entries in the index until the engine cleans up (Postgres VACUUM, LanceDB compaction). ' +
      'An index scan still visits them and throws them away: a LIMIT 10 query whose candidates are mostly dead returns fewer rows, even none ' +
      '(pgvector#244), and an index that still returns deleted ids hands the application documents that no longer exist.',
    decides:
      'Reads the deleted entries the engine counts (pgvector: n_dead_tup, last vacuum and autovacuum, index size and tuples; LanceDB: rows in deletion files, versions). ' +
      'When there are any, searches 50 sampled live rows at the index\'s settings: warns when a query returns fewer than min(10, live rows) rows or an id the store no longer holds (a measured consequence, not a sampling estimate); fails when half the queries come back short. ' +
      "With no measured consequence, deleted entries beyond the share at which the engine's own clean-up would have acted (Postgres autovacuum: 20% of the rows; LanceDB compaction: 10%) are shown as info: clean-up is not keeping up. A store that does not expose deleted entries: not run, with why.",
    evidence: {
      deletedRows: 'deleted (dead) entries the store still holds, as the engine counts them',
      liveRows: 'rows searches should see',
      deletedShare: 'deleted entries as a share of all entries',
      method: 'how they were counted',
      engine: 'engine facts: last vacuum/autovacuum, index size and tuples, versions, deletion files',
      search: 'sampled live rows searched: queries, those answered with fewer rows than expected, ids returned that the store no longer holds',
    },
    labels: ['No.8'],
    requiredArtifacts: ['deletedRows'],
    fix: "Run the engine's clean-up: VACUUM (and REINDEX after mass deletes) for pgvector, optimize()/compaction for LanceDB; and keep it running (autovacuum, scheduled compaction).",
  },
  run(artifacts) {
    const audit = artifacts.deletedRows;
    if (!audit) return null;
    const { facts, search } = audit;
    if (facts.deletedRows === null) return notRun(facts.unavailable ?? 'the store does not say how many deleted entries it holds');
    if (facts.deletedRows === 0) return null;
    const share = facts.deletedRows / Math.max(1, facts.deletedRows + facts.liveRows);
    const held = `The store holds ${count(facts.deletedRows)} deleted entries beside ${count(facts.liveRows)} live rows (${percent(share, 1)} of all entries; ${facts.method}).`;
    const evidence = evidenceOf(audit, share);
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
  },
});

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function evidenceOf(audit: DeletedRowsAudit, share: number): Evidence {
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
