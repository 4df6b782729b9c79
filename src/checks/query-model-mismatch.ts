import { count, figure, round } from '../core/format.js';
import { RELATION_MAX } from '../computed/model-split.js';
import { queryModelFit } from '../computed/query-model.js';
import { defineCheck } from './check.js';

export default defineCheck({
  meta: {
    code: 'query-model-mismatch',
    title: "The queries come from the store's embedding model",
    failureTitle: 'The queries come from another embedding model than the store',
    description:
      'The query path embeds with another model (or model version) than the one that filled the store: a model ' +
      'upgraded on one side only, a wrong deployment name, a default model in a client library. Both sides may have ' +
      'the same dimension and unit length, so nothing errors, but the queries live in an unrelated coordinate system ' +
      'and every result list is essentially random.',
    decides:
      'With --queries. Queries and stored rows are each centered on their own mean; each query is matched against a pool ' +
      'of sampled stored rows (mean top-5 cosine), and again with its coordinates randomly permuted and sign-flipped (the ' +
      "same query geometry in an unrelated coordinate system: the chance level). The baseline is the store's own " +
      "held-out rows matched against the same pool the same way. Queries of the store's model rise above chance by a " +
      "large part of what held-out rows do, even as shorter texts; another model's queries do not rise at all. " +
      `Fails when the upper 99.9% bound of the queries' excess over chance, as a share of the held-out rows' excess, is below ${RELATION_MAX}, ` +
      'with at least 20 valid queries and structure above chance on both sides (else the test says nothing and reports nothing).',
    evidence: {
      relation: "the queries' excess over chance as a share of held-out rows' excess (≈0: another model; the store's model: well above 0.15)",
      relationUpper: 'its one-sided 99.9% upper bound',
      queryCosine: 'centered top-5 cosine of the queries to the store, and at chance',
      heldOutCosine: 'the same for held-out stored rows',
      queryBestMatchMedian: 'median best-match cosine of the queries to the sampled store (as a search sees it)',
      heldOutBestMatchMedian: 'the same for held-out stored rows',
      meanDirectionCosine: "cosine between the queries' mean direction and the store's",
      queries: 'queries measured',
      heldOutRows: 'held-out stored rows that form the baseline',
      poolRows: 'sampled stored rows the queries and held-out rows are matched against',
    },
    labels: ['No.8'],
    requiredArtifacts: ['sample', 'queries', 'settings'],
    fix: 'Embed queries with exactly the model (name and version) that embedded the store, or re-embed the store with the query model and rebuild the index (`vectorclinic rebuild`). Record the model in the store manifest so both paths can be checked against it.',
  },
  run(artifacts, context) {
    const fit = queryModelFit(artifacts, context);
    if (!fit?.mismatch) return null;
    return {
      severity: 'fail',
      message:
        `The queries match the store no better than vectors in an unrelated coordinate system would: their centered top-5 cosine is ${figure(fit.query.cosine, 3)} against ${figure(fit.query.chance, 3)} at chance, ` +
        `while held-out stored rows reach ${figure(fit.baseline.cosine, 3)} against ${figure(fit.baseline.chance, 3)} (the queries carry ${figure(Math.max(0, fit.relation), 2)} of that excess; at most ${figure(fit.relationUpper, 2)}). ` +
        `Median best-match cosine: ${figure(fit.queryBestMatchMedian, 3)} for the queries, ${figure(fit.heldOutBestMatchMedian, 3)} for held-out rows (${count(fit.queries)} queries, ${count(fit.pool)} stored rows). ` +
        'The queries were embedded by another model than the store.',
      evidence: {
        relation: round(fit.relation, 3),
        relationUpper: round(fit.relationUpper, 3),
        queryCosine: { actual: round(fit.query.cosine, 4), chance: round(fit.query.chance, 4) },
        heldOutCosine: { actual: round(fit.baseline.cosine, 4), chance: round(fit.baseline.chance, 4) },
        queryBestMatchMedian: round(fit.queryBestMatchMedian, 4),
        heldOutBestMatchMedian: round(fit.heldOutBestMatchMedian, 4),
        meanDirectionCosine: round(fit.meanDirectionCosine, 4),
        queries: fit.queries,
        heldOutRows: fit.heldOut,
        poolRows: fit.pool,
      },
    };
  },
});
