import { rowList } from '../core/format.js';
import { round } from '../core/format.js';
import { storeCount } from '../gather/pushdown.js';
import { defineCheck } from './check.js';
import { describeRate, describeStoreRate, idList } from './sample-scope.js';

export default defineCheck({
  meta: {
    code: 'zero-vectors',
    title: 'No all-zero vectors',
    failureTitle: 'All-zero vectors in the store',
    description:
      'An all-zero vector has no direction: cosine similarity with it is undefined (NaN or 0 depending on the engine), ' +
      'inner product gives 0 for every query, and under L2 it sits at the same distance from every unit query, so it ' +
      'either never comes back or comes back for everything. Zero rows usually mean the embedding call failed and ' +
      'the pipeline wrote a placeholder (empty text, a timeout caught and filled with zeros, a bad cast).',
    decides: 'Fails on any all-zero row: the healthy rate is exactly 0.0%. Every row is scanned when that takes seconds; otherwise the sample gives an estimate with a 95% interval.',
    evidence: {
      count: 'all-zero rows found (in the scan or the sample)',
      rate: 'their share of the rows examined',
      rateHigh95: 'upper 95% bound of the share in the whole store (equals rate after a full scan)',
      firstRows: 'row numbers of the first zero rows',
      firstIds: 'live stores: ids (primary keys) of the first zero rows',
      scope: "'full' (every row scanned), 'sample', or 'store' (counted by the store itself)",
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'source'],
    optionalArtifacts: ['pushdown'],
    fix: 'Re-embed the rows listed (or delete them), find why the embedding step produced zeros, and put `vectorclinic guard` in front of ingestion so zero rows are rejected with a reason.',
  },
  run({ rowStats, pushdown, source }) {
    const zero = rowStats.zero;
    // A live store's own count covers every row; the sample only estimates.
    const counted = storeCount(pushdown, source, 'zeroRows');
    const hits = counted ? counted.count : zero.count;
    const rate = counted ? describeStoreRate(counted.count, counted.total) : describeRate(zero.count, rowStats);
    const evidence = {
      count: hits,
      rate: round(rate.rate),
      rateHigh95: round(rate.rateHigh),
      firstRows: zero.firstRows,
      ...(counted ? { firstIds: counted.firstIds } : {}),
      scope: counted ? 'store' : rowStats.scope,
    };
    if (hits === 0) {
      if (rate.exact) return null;
      return { severity: 'info', title: 'No all-zero vectors in the sample', message: `No all-zero rows: ${rate.text}.`, evidence };
    }
    const where = counted ? idList(counted.firstIds, hits) : `rows ${rowList(zero.firstRows, zero.count)}`;
    return {
      severity: 'fail',
      message: `${rate.text} are all zero (${where}). They cannot be ranked by similarity: each matches every query equally or none.`,
      evidence,
    };
  },
});
