import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { nearDuplicates } from '../computed/near-duplicates.js';
import { storeCount } from '../gather/pushdown.js';
import { defineCheck } from './check.js';

/** One row in a hundred repeating another already puts repeated content into many top-20 lists. */
const WARN_SHARE = 0.01;
/** One in twenty: a typical top-20 list then holds a copy, and IVF training was skewed by them. */
const FAIL_SHARE = 0.05;
/** One content occupying 1% of the store is boilerplate that surfaces for unrelated queries. */
const BOILERPLATE_FAIL_SHARE = 0.01;

export default defineCheck({
  meta: {
    code: 'duplicate-rows',
    title: 'No significant duplication',
    failureTitle: 'Duplicate and near-duplicate rows crowd the store',
    description:
      'The same content stored many times (re-ingestion without upsert, boilerplate such as headers, footers and ' +
      'cookie banners, empty chunks) fills top-k lists with copies, and when an IVF/PQ index is trained on such ' +
      'data its centroids are spent on the copies (trained before deduplication: No.14).',
    decides:
      'Exact copies are counted by hashing every scanned row (in bounded memory); near-duplicates are rows far ' +
      "closer to each other than the data's own nearest-neighbour spacing (≤ 5% of the typical nearest-neighbour " +
      'distance, and at least cos 0.995), found among sampled rows. ' +
      `Warns when ${percent(WARN_SHARE, 0)} of rows are redundant copies, fails from ${percent(FAIL_SHARE, 0)}, or when one content fills ${percent(BOILERPLATE_FAIL_SHARE, 0)} of the rows.`,
    evidence: {
      exactDuplicateRows: 'rows repeating an earlier row byte for byte (estimated when hashing had to thin out)',
      exactShare: 'their share of valid rows',
      exactEstimated: 'true when the exact count is scaled up from a hash sample (hashing thinned out to stay in bounded memory)',
      nearDuplicateRedundant: 'sampled rows that deduplication would remove (copies beyond the first of each near-duplicate cluster)',
      nearShare: 'their share of the rows compared',
      rowsCompared: 'sampled rows searched for near-duplicates (0 when the search did not run)',
      largestClusters: 'biggest clusters of identical/near-identical rows, with row numbers',
      distanceThreshold: 'cosine distance under which two rows count as the same content',
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'sample', 'source', 'settings'],
    optionalArtifacts: ['index', 'pushdown'],
    fix: 'Deduplicate before indexing (exact hash on normalized text plus a near-duplicate pass), upsert by a content id instead of appending, mask boilerplate; then retrain/rebuild the index: `vectorclinic rebuild <vectors> --dedup --mask-boilerplate`.',
  },
  run(artifacts, context) {
    const { rowStats, index } = artifacts;
    const exact = rowStats.duplicates;
    // A live store counts exact copies over every row; hashing a sample finds almost none of them.
    const counted = storeCount(artifacts.pushdown, artifacts.source, 'duplicateVectorRows');
    const exactRows = counted ? counted.count : exact.duplicateRows;
    const exactShare = counted ? (counted.total ? counted.count / counted.total : 0) : exact.rowsHashed ? exact.duplicateRows / exact.rowsHashed : 0;
    const exactEstimated = counted ? false : exact.keepRate < 1;
    const near = nearDuplicates(artifacts, context);
    const nearShare = near?.rowsChecked ? near.redundantRows / near.rowsChecked : 0;
    const largestCluster = near?.clusters[0]?.size ?? 0;
    const largestExact = exact.largestGroups[0]?.size ?? 0;
    const boilerplateShare = Math.max(near?.rowsChecked ? largestCluster / near.rowsChecked : 0, exact.rowsHashed ? largestExact / exact.rowsHashed : 0);
    const share = Math.max(exactShare, nearShare);
    if (share < WARN_SHARE && boilerplateShare < BOILERPLATE_FAIL_SHARE) return null;
    const failing = share >= FAIL_SHARE || boilerplateShare >= BOILERPLATE_FAIL_SHARE;
    const clusters = [
      ...exact.largestGroups.slice(0, 3).map((group) => ({ kind: 'exact', size: group.size, rows: group.rows })),
      ...(near?.clusters.slice(0, 3).map((cluster) => ({ kind: 'near', size: cluster.size, rows: cluster.rows })) ?? []),
    ];
    const ivf = index?.ivf !== undefined;
    return {
      severity: failing ? 'fail' : 'warn',
      message:
        (counted
          ? `${count(exactRows)} rows (${percent(exactShare, 1)}) repeat another row exactly (counted by the store)`
          : rowStats.scope === 'sample'
            ? `Among ${count(exact.rowsHashed)} sampled rows, ${count(exact.duplicateRows)} (${percent(exactShare, 1)}) repeat another sampled row exactly (copies outside the sample are not seen, so the store holds at least this share)`
            : `${count(exact.duplicateRows)} rows (${percent(exactShare, 1)}) repeat another row exactly`) +
        (exactEstimated ? ' (estimated from a hash sample)' : '') +
        (near ? `; among ${count(near.rowsChecked)} sampled rows ${count(near.redundantRows)} (${percent(nearShare, 1)}) are near-copies of another` : '') +
        `. The largest group holds ${count(Math.max(largestCluster, largestExact))} copies of one content.` +
        (ivf ? ' The IVF index was trained on these copies: its lists are spent on duplicates.' : ''),
      evidence: {
        exactDuplicateRows: exactRows,
        exactShare: round(exactShare, 4),
        exactEstimated,
        nearDuplicateRedundant: near?.redundantRows ?? null,
        nearShare: round(nearShare, 4),
        rowsCompared: near?.rowsChecked ?? 0,
        distanceThreshold: near ? round(near.distanceThreshold, 4) : null,
        largestClusters: clusters,
      } as Evidence,
      ...(ivf ? { extraLabels: ['No.14'] as const } : {}),
    };
  },
});
