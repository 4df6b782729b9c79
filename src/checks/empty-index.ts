import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import type { IndexDescription, PushdownStats } from '../sources/source.js';
import { defineCheck, type CheckResult } from './check.js';

/** IVF search probes nprobe lists; with fewer vectors than lists most probes hit empty lists. */
const VECTORS_PER_LIST_MIN = 1;
/** Lists learned from under a tenth of today's rows describe some other data set. */
const TRAINED_SHARE_WARN = 0.1;
/** Rows an index has not absorbed yet: a few after an append are routine, a tenth is a backlog. */
const UNINDEXED_WARN_SHARE = 0.1;

export default defineCheck({
  meta: {
    code: 'empty-index',
    title: 'The store holds searchable vectors',
    failureTitle: 'The store is empty or not ready to search',
    description:
      'A store that was queried before it was filled (the index built or trained before the data arrived, an ' +
      'ingestion job that never ran, an untrained IVF that silently returns nothing) answers every query with ' +
      'nothing or with noise, while the application keeps running. The live-store form: a pgvector ivfflat index ' +
      'created on an empty table picks its list centres at random, and every row inserted later is filed into them.',
    decides:
      'Fails when the store holds no vectors, when an IVF index is not trained, when an IVF index holds fewer vectors than it has lists, ' +
      `or when an IVF index was built while the table held fewer rows than lists. Warns when its lists were learned from under ${percent(TRAINED_SHARE_WARN, 0)} of today's rows, ` +
      `when rows have no vector (NULL), or when over ${percent(UNINDEXED_WARN_SHARE, 0)} of rows are not indexed yet.`,
    evidence: {
      rows: 'vectors the store holds (ntotal)',
      trained: 'whether the index is trained',
      nlist: 'inverted lists of an IVF index',
      emptyLists: 'lists holding no vector',
      rowsAtBuild: 'rows present when the index was built (live stores)',
      rowsAfterBuild: 'rows written after the index was built',
      buildOrderMethod: 'how the build order was established',
      listImbalance: 'nlist·Σn²/N² estimated from the lists sampled rows fall into (1 = even)',
      largestListShare: 'share of all rows in the largest list seen',
      nullRows: 'rows whose vector is NULL (never returned by a search)',
      unindexedRows: 'rows the index does not cover yet',
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['source'],
    optionalArtifacts: ['index', 'pushdown'],
    fix: 'Build the store in order: ingest (and deduplicate) first, then train and build the index on the data it will hold; gate the service on a non-empty, trained index (`vectorclinic check` in CI or at boot).',
  },
  run({ source, index, pushdown }): CheckResult | CheckResult[] | null {
    const rows = source.rows;
    if (index && !index.trained) {
      return {
        severity: 'fail',
        message: `The ${index.type} index is not trained: it cannot assign vectors to lists, so searches return nothing.`,
        evidence: { rows, trained: false },
        extraLabels: ['No.14'],
      };
    }
    if (rows === 0) {
      const nulls = pushdown?.nullRows ?? 0;
      return {
        severity: 'fail',
        message:
          `The ${index ? `${index.type} index` : 'store'} holds no vectors: every query returns nothing${index?.ivf ? ` (its ${index.ivf.nlist} lists are all empty)` : ''}.` +
          (nulls > 0 ? ` Its ${count(nulls)} rows all have a NULL vector: the embedding step never filled them.` : ''),
        evidence: { rows: 0, trained: index?.trained ?? null, ...(index?.ivf ? { nlist: index.ivf.nlist, emptyLists: index.ivf.nlist } : {}), ...(nulls > 0 ? { nullRows: nulls } : {}) },
      };
    }
    const ivf = index?.ivf;
    if (ivf && rows < ivf.nlist * VECTORS_PER_LIST_MIN) {
      const empty = Array.from(ivf.listSizes).filter((size) => size === 0).length;
      return {
        severity: 'fail',
        message: `The IVF index has ${count(ivf.nlist)} lists but only ${count(rows)} vectors (${count(empty)} lists empty): it was sized or trained for data that is not there.`,
        evidence: { rows, trained: true, nlist: ivf.nlist, emptyLists: empty },
        extraLabels: ['No.14'],
      };
    }
    return [buildOrder(index, rows), missingVectors(pushdown, rows), unindexed(index, rows)].filter((result): result is CheckResult => result !== null);
  },
});

/** An IVF index whose lists were learned before (most of) the data arrived. */
function buildOrder(index: IndexDescription | undefined, rows: number): CheckResult | null {
  const build = index?.build;
  if (!index || !build || build.listsTrained === undefined) return null;
  const lists = build.listsTrained;
  const balance = index.listBalance;
  const evidence: Evidence = {
    rows,
    rowsAtBuild: build.rowsAtBuild,
    rowsAfterBuild: build.rowsAfterBuild,
    nlist: lists,
    buildOrderMethod: build.method,
    ...(balance ? { listImbalance: round(balance.imbalance, 4), largestListShare: round(balance.largestShare, 4) } : {}),
  };
  const skew = balance ? ` The lists are uneven: the largest seen holds ${percent(balance.largestShare, 1)} of all rows (imbalance ${round(balance.imbalance, 3)}${balance.capped ? '+' : ''}, 1 is even).` : '';
  const rebuild = rebuildAdvice(index);
  if (build.rowsAtBuild < lists) {
    return {
      severity: 'fail',
      message:
        `The ${index.type} index was built when the table held ${count(build.rowsAtBuild)} rows, fewer than its ${count(lists)} lists` +
        `${build.warning ? ` (the engine warned "${build.warning}")` : ''}: its list centres were not learned from the data, and the ${count(build.rowsAfterBuild)} rows written since were filed into them.${skew}`,
      evidence,
      fix: rebuild,
      extraLabels: ['No.14'],
    };
  }
  if (build.rowsAtBuild < TRAINED_SHARE_WARN * rows) {
    return {
      severity: 'warn',
      message: `The ${index.type} index learned its ${count(lists)} lists from ${count(build.rowsAtBuild)} rows, ${percent(build.rowsAtBuild / rows, 1)} of the ${count(rows)} it holds now: the other rows were filed into lists shaped by data they may not resemble.${skew}`,
      evidence,
      fix: rebuild,
      extraLabels: ['No.14'],
    };
  }
  return null;
}

/** How to retrain the lists on today's rows, in the engine's own terms. */
function rebuildAdvice(index: IndexDescription): string {
  const name = String(index.params.name ?? '<index>');
  switch (index.engine) {
    case 'pgvector':
      return `Rebuild the index now that the data is there (REINDEX INDEX ${name}, or drop it and CREATE INDEX after loading), with lists ≈ rows/1000 (√rows above a million rows).`;
    case 'lancedb':
      return "Retrain the index on today's rows: table.createIndex(<column>, { replace: true }) (optimize() only adds rows to the old partitions, it does not move them).";
    default:
      return 'Retrain the index (its lists or centroids) on the data it now holds, and rebuild it: `vectorclinic rebuild`.';
  }
}

function missingVectors(pushdown: PushdownStats | undefined, rows: number): CheckResult | null {
  const nulls = pushdown?.nullRows ?? 0;
  if (!pushdown || nulls === 0) return null;
  const total = pushdown.totalRows;
  return {
    severity: 'warn',
    message: `${count(nulls)} of ${count(total)} rows (${percent(nulls / total)}) have no vector (NULL): no search can return them. The embedding step failed or has not run for them yet.`,
    evidence: { rows, nullRows: nulls },
    fix: 'Embed the rows with a NULL vector (or delete them) and make the column NOT NULL so a failed embedding is an error, not a silent gap.',
  };
}

function unindexed(index: IndexDescription | undefined, rows: number): CheckResult | null {
  const pending = index?.unindexedRows ?? 0;
  if (!index || pending === 0) return null;
  const share = pending / rows;
  return {
    severity: share > UNINDEXED_WARN_SHARE ? 'warn' : 'info',
    ...(share > UNINDEXED_WARN_SHARE ? {} : { title: 'A few rows are not indexed yet' }),
    message: `${count(pending)} of ${count(rows)} rows (${percent(share, 1)}) are not in the ${index.type} index yet: searches reach them only by brute force (slower), or not at all when the index alone is searched.`,
    evidence: { rows, unindexedRows: pending },
    fix: 'Bring the index up to date after appends (LanceDB: table.optimize(); other engines: their reindex/compaction step) before serving queries.',
  };
}
