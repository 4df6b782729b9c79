import { count, rowList, round } from '../core/format.js';
import { storeCount } from '../gather/pushdown.js';
import { defineCheck } from './check.js';
import { describeRate, describeStoreRate, idList } from './sample-scope.js';

export default defineCheck({
  meta: {
    code: 'nonfinite-values',
    title: 'No NaN or Inf values',
    failureTitle: 'NaN or Inf values in stored vectors',
    description:
      'A single NaN makes every similarity with that row NaN, which engines sort unpredictably (first, last, or ' +
      'crash); an Inf makes the row the nearest or farthest neighbour of every query. They come from dividing by a ' +
      'zero norm, float16 overflow (values above 65504 become Inf), or corrupted writes.',
    decides: 'Fails on any row holding NaN, +Inf or -Inf. Every row is scanned when that takes seconds; otherwise the sample gives an estimate with a 95% interval.',
    evidence: {
      rows: 'rows with at least one non-finite value',
      nanValues: 'NaN values counted in those rows',
      infValues: '+Inf and -Inf values counted in those rows',
      rate: 'share of rows examined',
      rateHigh95: 'upper 95% bound of the share in the whole store',
      firstRows: 'row numbers of the first such rows',
      storage: 'the stored element type (float16 overflow is a common cause)',
      scope: "'full', 'sample', or 'store' (counted by the store's own aggregate over every row)",
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'source'],
    optionalArtifacts: ['pushdown'],
    fix: 'Re-embed or delete the rows listed; normalize with a guard against zero norms (x / max(‖x‖, ε)); reject non-finite rows at ingestion with `vectorclinic guard`.',
  },
  run({ rowStats, source, pushdown }) {
    const { nonfinite } = rowStats;
    // A store that counted (or whose column type rejects NaN/Inf, like pgvector) speaks for every row.
    const counted = storeCount(pushdown, source, 'nonfiniteRows');
    if (counted && counted.count === 0 && nonfinite.count === 0) return null;
    // The store counted rows its sample missed (DuckDB, SQLite accept NaN): its count speaks for every row.
    const fromStore = counted !== undefined && counted.count > nonfinite.count;
    const hits = fromStore ? counted.count : nonfinite.count;
    const rate = fromStore ? describeStoreRate(counted.count, counted.total) : describeRate(nonfinite.count, rowStats);
    const evidence = {
      rows: hits,
      nanValues: nonfinite.nanValues,
      infValues: nonfinite.infValues,
      rate: round(rate.rate),
      rateHigh95: round(rate.rateHigh),
      firstRows: nonfinite.firstRows,
      storage: source.storage.type,
      scope: fromStore ? 'store' : rowStats.scope,
    };
    if (hits === 0) {
      if (rowStats.scope === 'full') return null;
      return { severity: 'info', title: 'No NaN or Inf values in the sample', message: `No non-finite values: ${rate.text}.`, evidence };
    }
    const halfOverflow = source.storage.type === 'float16' && nonfinite.infValues > 0;
    return {
      severity: 'fail',
      message:
        (fromStore
          ? `${rate.text} hold NaN or ±Inf values (counted by the store over every row${counted.firstIds.length ? `: ${idList(counted.firstIds, hits)}` : ''}; the sample held ${count(nonfinite.count)}).`
          : `${rate.text} hold non-finite values (${count(nonfinite.nanValues)} NaN, ${count(nonfinite.infValues)} ±Inf; rows ${rowList(nonfinite.firstRows, nonfinite.count)}).`) +
        (halfOverflow ? ' The store is float16: values beyond ±65504 overflowed to Inf when the vectors were cast.' : ''),
      evidence,
      ...(halfOverflow
        ? { fix: 'Normalize (or otherwise scale) vectors before casting to float16, or store float32; then rewrite the affected rows. Reject non-finite rows at ingestion with `vectorclinic guard`.' }
        : {}),
    };
  },
});
