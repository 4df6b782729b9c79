import { figure, percent, round } from '../core/format.js';
import { normRegimes, type NormRegimes } from '../computed/norm-regimes.js';
import { rankingAgreement } from '../computed/ranking-agreement.js';
import { effectiveMetric } from '../computed/search-metric.js';
import { isotropyEvidence, queryIsotropy, storeIsotropy } from '../computed/whitening.js';
import { defineCheck, notRun, partlyRun, type CheckGap, type CheckResult } from './check.js';

const QUERIES_HINT = 'pass --queries FILE (vectors your application searches with) to compare your query vectors with the store';
/** What a run without queries checks: the store against its declared policy. */
const POLICY_ONLY_TITLE = 'Stored vectors match the normalization the policy declares';

/** Same bar as metric-mismatch: losing one neighbour in ten is a retrieval failure. */
const AGREEMENT_FAIL_BELOW = 0.9;

export default defineCheck({
  meta: {
    code: 'normalization-drift',
    title: 'Queries and stored vectors are normalized alike',
    failureTitle: 'Queries and stored vectors are normalized differently',
    description:
      'The query path and the ingestion path must apply the same normalization. When documents were stored raw ' +
      'but queries are normalized (or the reverse), a non-normalizing index ranks documents by their length, and ' +
      'every similarity threshold or score fusion calibrated on one side is wrong for the other. The same drift ' +
      "appears when the store's policy says vectors are normalized and they are not.",
    decides:
      'With --queries: compares the measured norm state of the queries and of the stored vectors. A unit-norm corpus ' +
      'searched with raw queries keeps its ranking (warn: scores and thresholds shift). A raw corpus searched with ' +
      `unit queries fails when the index's metric then returns under ${percent(AGREEMENT_FAIL_BELOW, 0)} of the declared-metric top-10, ` +
      "and warns otherwise. Whitened stored vectors (isotropic spectrum, see metric-mismatch) searched with queries that keep the model's raw geometry, or the reverse, fail. Without queries: fails when the policy (a store manifest) declares normalized vectors and the store holds raw ones; without queries or such a policy it does not run.",
    evidence: {
      queryNormState: "'unit' or 'raw' (measured on the query file)",
      storeNormState: "'unit', 'raw' or 'mixed' (measured on the store)",
      queryNormP50: 'median query norm',
      storeNormP50: 'median stored-vector norm',
      agreementAt10: "share of the declared-metric top-10 the store's metric returns with these queries",
      policyNormalized: 'what the policy declares',
      storeWhitened: 'whitening: whether the stored vectors look whitened',
      queryWhitened: 'whitening: whether the queries look whitened',
      store: "whitening: the stored vectors' spectrum (PC1 share, the isotropic level, mean cosine, rows measured)",
      queries: 'whitening: the same for the queries',
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'declared', 'sample', 'settings'],
    optionalArtifacts: ['index', 'queries'],
    fix: 'Apply one normalization policy on both paths: L2-normalize documents at ingestion and queries at search time (or neither, for a metric that needs raw vectors), and record it in the store manifest.',
  },
  run(artifacts, context) {
    const store = normRegimes(artifacts.rowStats);
    const findings: (CheckResult | CheckGap)[] = [];
    const policy = artifacts.declared.normalized;
    if (policy === true && (store.state === 'raw' || store.state === 'mixed')) {
      findings.push({
        severity: 'fail',
        message: `The policy says vectors are L2-normalized, but ${percent(1 - store.unitShare, 1)} of the stored vectors are not (median norm ${figure(artifacts.rowStats.norms.p50)}): rows were added by a path that skips normalization.`,
        evidence: { policyNormalized: true, storeNormState: store.state, storeNormP50: round(artifacts.rowStats.norms.p50) },
      });
    }
    if (policy === false && store.state === 'unit') {
      findings.push({
        severity: 'warn',
        message: 'The policy says vectors are stored raw, but every stored vector is unit length: the writer normalizes, or the policy is out of date.',
        evidence: { policyNormalized: false, storeNormState: store.state },
      });
    }
    const queries = artifacts.queries;
    if (queries) {
      const query = normRegimes(queries.stats);
      const drift = queryDrift(artifacts, context, store, query);
      if (drift) findings.push(drift);
      const whitening = whiteningDrift(artifacts, context);
      if (whitening) findings.push(whitening);
    } else {
      findings.push(policy === undefined ? notRun(`no query vectors were given: ${QUERIES_HINT}`) : partlyRun(POLICY_ONLY_TITLE, `queries were not compared with the store: ${QUERIES_HINT}`));
    }
    return findings;
  },
});

function queryDrift(artifacts: Parameters<typeof effectiveMetric>[0], context: Parameters<typeof rankingAgreement>[1], store: NormRegimes, query: NormRegimes): CheckResult | null {
  const pair = `${query.state}/${store.state}`;
  if (pair !== 'unit/raw' && pair !== 'raw/unit') return null;
  const queries = artifacts.queries;
  const evidence = {
    queryNormState: query.state,
    storeNormState: store.state,
    queryNormP50: round(queries?.stats.norms.p50 ?? NaN),
    storeNormP50: round(artifacts.rowStats.norms.p50),
  };
  if (pair === 'raw/unit') {
    return {
      severity: 'warn',
      message: `Stored vectors are unit length but queries are not (median query norm ${figure(evidence.queryNormP50)}): rankings survive, but every score is scaled by the query's length, so similarity thresholds and score fusion are off.`,
      evidence,
    };
  }
  const declared = artifacts.declared.metric ?? 'cosine';
  const actual = effectiveMetric(artifacts);
  const agreement = artifacts.index && actual !== declared ? rankingAgreement(artifacts, context, actual, declared) : undefined;
  const failing = agreement !== undefined && agreement < AGREEMENT_FAIL_BELOW;
  return {
    severity: failing ? 'fail' : 'warn',
    message:
      `Queries are normalized but stored vectors are not (median stored norm ${figure(evidence.storeNormP50)}): ` +
      (agreement !== undefined ? `the index's ${actual} then returns ${percent(agreement, 1)} of the ${declared} top-10.` : 'any index that does not normalize will rank documents by their length.'),
    evidence: { ...evidence, agreementAt10: agreement === undefined ? null : round(agreement, 4) },
  };
}

/** One side whitened and the other not: the two live in different coordinate systems. */
function whiteningDrift(artifacts: Parameters<typeof storeIsotropy>[0], context: Parameters<typeof storeIsotropy>[1]): CheckResult | null {
  if (artifacts.index?.transform) return null;
  const store = storeIsotropy(artifacts, context);
  const query = queryIsotropy(artifacts, context);
  if (!store || !query) return null;
  const storeSide = store.whitened && query.anisotropic;
  if (!storeSide && !(query.whitened && store.anisotropic)) return null;
  const [whitened, raw] = storeSide ? ['stored vectors', 'queries'] : ['queries', 'stored vectors'];
  return {
    severity: 'fail',
    title: storeSide ? 'Stored vectors are whitened, queries are not' : 'Queries are whitened, stored vectors are not',
    message:
      `The ${whitened} look whitened (mean pairwise cosine ${figure((storeSide ? store : query).meanCosine)}, an isotropic spectrum) while the ${raw} keep the model's raw geometry ` +
      `(mean pairwise cosine ${figure((storeSide ? query : store).meanCosine)}): similarities between them are meaningless, and every query lands near the same rows.`,
    evidence: {
      storeWhitened: store.whitened,
      queryWhitened: query.whitened,
      store: isotropyEvidence(store),
      queries: isotropyEvidence(query),
    },
    fix: 'Apply the one whitening transform on both paths (or on neither) and record it in the store manifest (`vectorclinic rebuild --whiten` keeps the transform beside the index).',
  };
}
