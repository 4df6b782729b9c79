import { count, figure, percent, round } from '../core/format.js';
import type { Metric } from '../core/policy.js';
import { normDominance, rankingAgreement } from '../computed/ranking-agreement.js';
import { decodedNormsUnreliable } from '../computed/codebook-fit.js';
import { normRegimes } from '../computed/norm-regimes.js';
import { safeMetrics } from '../computed/observed-policy.js';
import { isotropyEvidence, storeIsotropy } from '../computed/whitening.js';
import type { Artifacts } from '../gather/artifacts.js';
import type { CheckContext } from '../computed/check-context.js';
import { defineCheck, type CheckResult } from './check.js';

/**
 * An index that returns fewer than 90% of the neighbours the model's metric would is wrong for
 * users, not merely different: one result in ten is replaced.
 */
const AGREEMENT_FAIL_BELOW = 0.9;
/** Inner product is norm-dominated when a quarter of every top-10 is the same few longest vectors. */
const NORM_DOMINANCE_WARN = 0.25;

export default defineCheck({
  meta: {
    code: 'metric-mismatch',
    title: 'Metric matches the vectors',
    failureTitle: 'The search metric does not match the model and the stored vectors',
    description:
      'Cosine similarity only equals inner product (and ranks like L2) on unit-length vectors. A cosine model ' +
      'stored without normalization and searched by inner product ranks by vector length (long, often generic ' +
      'texts win every query); searched by L2 it penalizes length differences the model never meant. A model ' +
      'trained for inner product loses information when an index normalizes its vectors.',
    decides:
      'Compares the declared metric, the index metric (when there is one) and the measured norm state. Where they ' +
      `disagree it measures the damage: the share of the exact top-10 under the declared metric that the actual ` +
      `metric returns on random queries. Fails when an index's metric returns under ${percent(AGREEMENT_FAIL_BELOW, 0)} of them; ` +
      'warns when plain vectors need normalizing before a non-normalizing index, or when inner product is ' +
      `norm-dominated (over ${percent(NORM_DOMINANCE_WARN, 0)} of each top-10 are the same longest vectors). With no metric declared it reports the state and the safe metrics. ` +
      'Vectors whose spectrum is that of isotropic noise (PC1 within 1.5× the Marchenko–Pastur edge, mean pairwise cosine ~0) were whitened: ' +
      "a warning unless the policy records the whitening (a fail when it says there is none); the reverse, a policy that says whitened over a model's raw geometry, warns. " +
      'An isotropic spectrum whose rows also match their nearest rows no better than with their coordinates randomly permuted (the top-5 cosine excess over that chance level has a 99.9% lower bound ≤ 0) is not whitened but random: a mock or broken embedder (warn). Whitened embeddings keep their neighbourhoods.',
    evidence: {
      declaredMetric: 'metric the model was trained for (--metric or the policy)',
      indexMetric: 'metric the index computes, when the target is an index',
      normState: "'unit', 'raw' or 'mixed' (measured)",
      normP50: 'median row norm',
      agreementAt10: 'share of the declared-metric top-10 that the actual metric returns',
      agreementAt10Ip: 'cosine model over unnormalized vectors: share of the true cosine top-10 that inner product returns on them as stored',
      agreementAt10L2: 'the same for L2 distance',
      normDominance: 'inner-product model over unnormalized vectors: share of each top-10 taken by the same 10 longest vectors, whatever the query',
      safeMetrics: 'metrics that rank these vectors as the model intends',
      queryOperator: 'live stores: the ORDER BY operator of the declared metric (pgvector <=>, <->, <#>)',
      indexOperator: "the operator the index's operator class serves",
      queryPlan: 'how Postgres plans a top-10 query by the declared metric (EXPLAIN)',
      pc1Share: "whitening: PC1's share of variance of the unit, centered sample",
      isotropicShare: 'whitening: the PC1 share isotropic (whitened) data of this size shows (Marchenko–Pastur edge)',
      meanCosine: 'whitening: mean pairwise cosine of the sample (0 when centered)',
      isotropyRows: 'whitening: sampled rows the spectrum and the neighbour structure were measured on',
      neighbourExcess: "whitening: rows' top-5 cosine to their nearest rows above the level with their coordinates randomly permuted (≈0: random vectors, no structure)",
      neighbourExcessError: 'whitening: standard error of that excess',
      policyWhitened: 'whitening: what the policy declares',
    },
    labels: ['No.8'],
    requiredArtifacts: ['rowStats', 'sample', 'declared', 'source', 'settings'],
    optionalArtifacts: ['index', 'queries'],
    fix: 'For a cosine model: L2-normalize every vector before storing it (and every query), or use an index that normalizes (a cosine index); then rebuild the index with `vectorclinic rebuild`.',
    storeFix: {
      pgvector: 'In pgvector: index with vector_cosine_ops and order queries by <=>.',
      pglite: 'In pgvector: index with vector_cosine_ops and order queries by <=>.',
      lancedb: 'In LanceDB: create the index and search with distance_type "cosine".',
      chroma: 'In Chroma: create the collection with the cosine distance space.',
      hnswlib: "In hnswlib: build the index with space 'cosine'.",
      faiss: 'In FAISS: faiss.normalize_L2 the vectors and queries, and use an inner-product index.',
    },
  },
  run(artifacts, context) {
    return [metricAgreement(artifacts, context), indexBypass(artifacts), whiteningVersusPolicy(artifacts, context)].filter((result): result is CheckResult => result !== null);
  },
});

/**
 * Whitened vectors are no longer in the model's space: the index's cosine compares them in a
 * coordinate system only the whitening transform defines, so every query must go through the same
 * transform. An index that whitens its input itself (a FAISS PCA pre-transform) is consistent.
 */
function whiteningVersusPolicy(artifacts: Artifacts, context: CheckContext): CheckResult | null {
  if (artifacts.index?.transform) return null;
  const shape = storeIsotropy(artifacts, context);
  if (!shape) return null;
  const declared = artifacts.declared.whitened;
  const evidence = { ...isotropyEvidence(shape), policyWhitened: declared ?? null, indexMetric: artifacts.index?.metric ?? null };
  if (shape.random) {
    return {
      severity: 'warn',
      title: 'Vectors look random: a mock or broken embedder',
      message:
        `The stored vectors have no structure an embedding model gives: an isotropic spectrum (PC1 ${percent(shape.pc1Share, 2)} of the variance, the isotropic level is ${percent(shape.isotropicShare, 2)}; mean pairwise cosine ${figure(shape.meanCosine)}) ` +
        `and rows match their nearest rows no better than with their coordinates randomly permuted (top-5 cosine excess ${figure(shape.structure?.excess ?? NaN, 2)} ± ${figure(shape.structure?.excessError ?? NaN, 2)}). ` +
        'Whitened embeddings keep their neighbours; these look like random vectors from a mock, a placeholder or a broken embedding call, so no search over them can be meaningful.',
      evidence,
      fix: 'Check what wrote these vectors: a test double or random placeholder left in the pipeline, an embedding call failing silently, a wrong dtype or byte order when reading. Re-embed with the real model.',
    };
  }
  if (shape.whitened && declared !== true) {
    return {
      severity: declared === false ? 'fail' : 'warn',
      title: 'Stored vectors are whitened',
      message:
        `The stored vectors look whitened: PC1 holds ${percent(shape.pc1Share, 2)} of the variance, what isotropic data of this size shows (${percent(shape.isotropicShare, 2)}), ` +
        `and the mean pairwise cosine is ${figure(shape.meanCosine)}. ${declared === false ? 'The policy says they are not whitened, so' : 'No policy records a whitening transform, so'} ` +
        `queries embedded by the model are compared in another coordinate system${artifacts.index?.metric ? ` by the ${artifacts.index.metric} index` : ''} unless they go through the same centering and whitening.`,
      evidence,
      fix: "Apply the same whitening transform to every query (keep it with the store), and record it in the policy: `vectorclinic rebuild <vectors> --metric cosine --whiten` writes the transform and the manifest. Or store the model's own vectors.",
    };
  }
  if (declared === true && shape.anisotropic) {
    return {
      severity: 'warn',
      title: 'Policy says whitened; the vectors are not',
      message: `The policy records a whitening transform, but the stored vectors keep the model's raw geometry (PC1 ${percent(shape.pc1Share, 2)} of the variance, ${figure(shape.pc1Share / shape.isotropicShare)}× the isotropic level; mean pairwise cosine ${figure(shape.meanCosine)}): rows were added without the transform.`,
      evidence,
      fix: 'Route every writer through the same transform (or rebuild from the source embeddings with `vectorclinic rebuild --whiten`).',
    };
  }
  return null;
}

/**
 * A live index whose operator class does not serve the declared metric's operator: queries that
 * order by the model's metric are planned as sequential scans (exact, but O(rows) per query),
 * while queries by the index's operator rank by a metric the model was not trained for.
 */
function indexBypass({ index, source, rowStats }: Artifacts): CheckResult | null {
  const plan = index?.queryPlan;
  if (!index || !plan || plan.usesIndex) return null;
  const unit = normRegimes(rowStats).state === 'unit';
  const indexOperator = typeof index.params.operator === 'string' ? index.params.operator : null;
  const opclass = typeof index.params.opclass === 'string' ? ` (${index.params.opclass})` : '';
  return {
    severity: 'warn',
    message:
      `Queries ordering by ${plan.operator} (${plan.metric}, the declared metric) cannot use the ${index.type} index${opclass}, which serves ${indexOperator ?? 'another operator'} (${index.metric ?? 'another metric'}): ` +
      `Postgres plans them as "${plan.plan}", a scan of all ${count(source.rows)} rows per query. The application either waits for full scans or ranks by the index's metric instead of the model's.`,
    evidence: {
      declaredMetric: plan.metric,
      indexMetric: index.metric ?? null,
      queryOperator: plan.operator,
      indexOperator,
      queryPlan: plan.plan,
    },
    fix:
      `Build the index with the operator class of the declared metric (e.g. CREATE INDEX ON <table> USING ${index.type} (<column> vector_${plan.metric}_ops)).` +
      (unit && indexOperator ? ` The stored vectors are unit length, so ordering queries by ${indexOperator} ranks them exactly like ${plan.operator} and uses the existing index.` : ''),
  };
}

function metricAgreement(artifacts: Artifacts, context: CheckContext): CheckResult | null {
  const regimes = normRegimes(artifacts.rowStats);
  if (regimes.state === 'unknown') return null;
  const declared = artifacts.declared.metric;
  const index = artifacts.index;
  const base = {
    declaredMetric: declared ?? null,
    indexMetric: index?.metric ?? null,
    normState: regimes.state,
    normP50: round(artifacts.rowStats.norms.p50),
    safeMetrics: safeMetrics(regimes.state, declared),
  };
  if (!declared) return undeclared(base.normState, base, index?.metric);
  if (decodedNormsUnreliable(artifacts, context)) return staleDecoding(base);
  if (index?.metric && index.metric !== 'other') return indexVersusDeclared(artifacts, context, { declared, indexMetric: index.metric, normalizes: index.normalizesInput, base });
  return vectorsVersusDeclared(artifacts, context, declared, base);
}

type BaseEvidence = {
  declaredMetric: Metric | null;
  indexMetric: Metric | 'other' | null;
  normState: string;
  normP50: number;
  safeMetrics: Metric[];
};

/** A stale PQ/SQ codebook decodes vectors to norms the stored ones never had: nothing to judge the metric by. */
function staleDecoding(evidence: BaseEvidence): CheckResult {
  return {
    severity: 'info',
    title: 'Metric not judged: decoded vectors are unreliable',
    message: `The index's codebook does not fit its vectors (see stale-codebook), so the decoded vectors' norms (median ${figure(evidence.normP50)}) do not show how the vectors were normalized when added.`,
    evidence,
    fix: 'Retrain the index on its current vectors (stale-codebook), then check the metric again.',
  };
}

function undeclared(state: string, evidence: BaseEvidence, indexMetric: string | undefined): CheckResult {
  const safe = evidence.safeMetrics.join(', ');
  return {
    severity: 'info',
    title: 'No metric declared',
    message:
      state === 'unit'
        ? `Vectors are unit length (median norm ${figure(evidence.normP50)}): cosine, inner product and L2 rank them identically${indexMetric ? `, so the index's ${indexMetric} is safe` : ''}.`
        : `Vectors are not unit length (median norm ${figure(evidence.normP50)}): only ${safe} ranks them as a cosine model intends; pass --metric to check against your model.`,
    evidence,
    // Nothing is wrong yet: the general fix (normalize, rebuild) would contradict a store of unit vectors.
    fix:
      state === 'unit'
        ? 'Nothing to fix in the vectors. Pass --metric with the metric your embedding model was trained for so the index can be judged against it.'
        : 'Pass --metric with the metric your embedding model was trained for; for a cosine model, normalize the vectors (and queries) or search them with a cosine index.',
  };
}

/** What the model was trained for against what the index computes (and whether it normalizes). */
interface MetricPair {
  readonly declared: Metric;
  readonly indexMetric: Metric;
  readonly normalizes: boolean;
  readonly base: BaseEvidence;
}

function indexVersusDeclared(artifacts: Artifacts, context: CheckContext, { declared, indexMetric, normalizes, base }: MetricPair): CheckResult | null {
  const state = base.normState;
  if (normalizes || indexMetric === 'cosine') {
    if (declared === 'cosine' || state === 'unit') return null;
    return {
      severity: 'warn',
      message: `The model is declared ${declared} but the index normalizes vectors (cosine): the length information the model encodes is discarded.`,
      evidence: base,
      fix: `Use a non-normalizing ${declared} index for this model, or declare --metric cosine if the model is really a cosine model.`,
    };
  }
  if (state === 'unit' || indexMetric === declared) return null;
  const agreement = rankingAgreement(artifacts, context, indexMetric, declared);
  const measured = agreement === undefined ? '' : ` On random queries it returns ${percent(agreement, 1)} of the top-10 the model's ${declared} would.`;
  return {
    severity: agreement === undefined || agreement < AGREEMENT_FAIL_BELOW ? 'fail' : 'warn',
    message:
      `The index ranks by ${indexMetric === 'ip' ? 'inner product' : 'L2 distance'} over ${describeNorms(artifacts, base)}, ` +
      `but the model is ${declared}: ${indexMetric === 'ip' ? 'long vectors win regardless of meaning' : 'differences in length distort the ranking'}.${measured}`,
    evidence: { ...base, agreementAt10: agreement === undefined ? null : round(agreement, 4) },
    fix:
      declared === 'cosine'
        ? `Normalize every vector (and query) to unit length and rebuild the index, or build it with a cosine metric: \`vectorclinic rebuild <vectors> --metric cosine\`.`
        : `Rebuild the index with the ${declared} metric the model was trained for.`,
  };
}

function vectorsVersusDeclared(artifacts: Artifacts, context: CheckContext, declared: Metric, base: BaseEvidence): CheckResult | null {
  const state = base.normState;
  if (state === 'unit') return null;
  if (declared === 'cosine') {
    const ip = rankingAgreement(artifacts, context, 'ip', 'cosine');
    const l2 = rankingAgreement(artifacts, context, 'l2', 'cosine');
    const measured = ip !== undefined && l2 !== undefined ? ` Searched as they are, inner product would return ${percent(ip, 1)} and L2 ${percent(l2, 1)} of the true cosine top-10.` : '';
    return {
      severity: 'warn',
      message: `The model is cosine but the store holds ${describeNorms(artifacts, base)}: only an index that normalizes ranks them correctly.${measured}`,
      evidence: {
        ...base,
        agreementAt10Ip: ip === undefined ? null : round(ip, 4),
        agreementAt10L2: l2 === undefined ? null : round(l2, 4),
      },
    };
  }
  if (declared === 'ip') {
    const dominance = normDominance(artifacts, context);
    if (dominance === undefined || dominance <= NORM_DOMINANCE_WARN) return null;
    return {
      severity: 'warn',
      message: `Inner product over these unnormalized vectors is norm-dominated: ${percent(dominance, 1)} of each top-10 are the same 10 longest vectors, whatever the query.`,
      evidence: { ...base, normDominance: round(dominance, 4) },
      fix: 'If the model is not explicitly an inner-product model, normalize vectors and use cosine; otherwise look for rows with inflated norms (boilerplate, concatenated chunks).',
    };
  }
  return null;
}

/** "unnormalized vectors (median norm 0.61)", or for a mixed store the share that is not unit length. */
function describeNorms(artifacts: Artifacts, base: BaseEvidence): string {
  if (base.normState !== 'mixed') return `unnormalized vectors (median norm ${figure(base.normP50)})`;
  const regimes = normRegimes(artifacts.rowStats);
  return `partly unnormalized vectors (${percent(regimes.rawRows / Math.max(1, regimes.validRows), 1)} of them are not unit length)`;
}
