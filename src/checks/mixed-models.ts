import { count, figure, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { MIN_PART_ROWS, modelSplit, RELATION_MAX, type PartRelation } from '../computed/model-split.js';
import { defineCheck } from './check.js';
import { locatePart } from './part-location.js';

export default defineCheck({
  meta: {
    code: 'mixed-models',
    title: 'The vectors come from one embedding model',
    failureTitle: 'The store holds vectors from two embedding models',
    description:
      'Part of the store was embedded with another model than the rest: a model swap or upgrade with a backfill, a ' +
      'second writer with its own model, a re-embed that stopped half way. Vectors of two models live in unrelated ' +
      'coordinate systems even when they have the same dimension and are all unit length, so a query embedded with ' +
      "one model finds essentially random rows among the other model's vectors: those rows are never retrieved " +
      'for the right question, and may crowd the results for the wrong ones. Norm checks cannot see it.',
    decides:
      'From the vectors alone. Candidate two-way splits of a sample come from the connected parts of its ' +
      "mutual 10-nearest-neighbour graph, a spherical 2-means split, and the source's segments (shard files). For each split, " +
      "both parts are centered on their own mean, and each part's rows are matched (mean top-5 cosine) against their own " +
      "part and against the other part, and again with the rows' coordinates randomly permuted and sign-flipped " +
      "(the same geometry in an unrelated coordinate system: the chance level). One model's topic clusters share its " +
      "axes, so most of a part's excess over chance carries over to the other part (measured 0.2–0.97); two models " +
      `share none (0 ± 0.05). The split is mixed when, in both directions, the upper 99.9% bound of the carried-over ` +
      `share is below ${RELATION_MAX} and each part has structure of its own (excess over chance ≥ 0.05). ` +
      `A part needs ${MIN_PART_ROWS} of the (up to) 2,000 sampled rows the search uses, so foreign rows are detectable from about 1% of the store ` +
      `(from ${MIN_PART_ROWS} rows in smaller stores); a smaller share is not, and a pass does not vouch for it. ` +
      'The neighbour graph and the 2-means split work in 64 random dimensions when the vectors have more (cosines kept to about ±0.13); the judgement uses every dimension.',
    evidence: {
      minorityShare: 'share of sampled rows in the smaller part (with its 95% interval)',
      minorityShareLow95: 'lower end of the 95% interval of the minority share',
      minorityShareHigh95: 'upper end of that interval',
      parts: 'each part: sampled rows, share, and where its rows are (blocks of rows or segments)',
      interleaved: 'true when the parts alternate in row order (two writers) instead of forming blocks',
      relation: "share of each part's own structure that the other part shares (≈0: unrelated models; one model's topics: 0.2–1)",
      cosines: 'centered top-5 cosine within the part, across, and at chance',
      meanCosine: "mean cosine (uncentered) within each part and across: two models' vectors are near-orthogonal",
      method: 'how the split was found',
      sampledRows: 'valid sampled rows the search used',
      minDetectableShare: 'the smallest minority share the search can detect with this many sampled rows (a smaller foreign part passes unseen)',
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['sample', 'rowStats', 'settings'],
    fix: 'Re-embed the minority part with the model the rest of the store (and the query path) uses, then rebuild the index: `vectorclinic rebuild <vectors> --metric <metric> --apply`. Record the model in the manifest (`vectorclinic guard`) so the next swap is caught at the door.',
  },
  run(artifacts, context) {
    const search = modelSplit(artifacts, context);
    const best = search?.best;
    if (!search || !best?.mixed) return null;
    const location = locatePart(best.minorityRows, best.majorityRows, artifacts.rowStats.segments ?? []);
    const minorityWhere = location.minority.text;
    const evidence = {
      minorityShare: round(best.minorityShare, 4),
      minorityShareLow95: round(best.shareLow, 4),
      minorityShareHigh95: round(best.shareHigh, 4),
      parts: [
        { part: 'minority', sampledRows: best.minorityRows.length, share: round(best.minorityShare, 4), blocks: location.minority.blocks, segments: location.minority.segments },
        { part: 'majority', sampledRows: best.majorityRows.length, share: round(1 - best.minorityShare, 4), blocks: location.majority.blocks, segments: location.majority.segments },
      ],
      interleaved: location.interleaved,
      relation: { minorityToMajority: relationEvidence(best.forward), majorityToMinority: best.backward ? relationEvidence(best.backward) : null },
      meanCosine: { minority: round(best.meanCosine.minority, 4), majority: round(best.meanCosine.majority, 4), across: round(best.meanCosine.across, 4) },
      method: best.method,
      sampledRows: best.rows,
      minDetectableShare: round(search.minDetectableShare, 4),
    } as Evidence;
    const relation = Math.max(best.forward.relation, best.backward?.relation ?? -Infinity);
    return {
      severity: 'fail',
      message:
        `${percent(best.minorityShare, 1)} of the sampled rows (${count(best.minorityRows.length)} of ${count(best.rows)}; 95% interval ${percent(best.shareLow, 1)}–${percent(best.shareHigh, 1)}) ` +
        `live in another coordinate system than the rest: ${minorityWhere}. ` +
        `Beyond chance, ${figure(Math.max(0, relation), 2)} of each part's own similarity structure carries over to the other part (one model's topic clusters carry 0.2–1 of it), ` +
        `and the mean cosine across the parts is ${figure(best.meanCosine.across, 2)} against ${figure(best.meanCosine.minority, 2)} and ${figure(best.meanCosine.majority, 2)} within them. ` +
        "Queries from one model cannot find the other model's rows.",
      evidence,
      fix:
        `Re-embed the minority part (${minorityWhere}) with the model the rest of the store and the query path use, then rebuild the index: ` +
        '`vectorclinic rebuild <vectors> --metric <metric> --apply`. If the minority is the new model, re-embed the rest instead and switch the query path with it.',
    };
  },
});

function relationEvidence(relation: PartRelation): Evidence {
  return {
    relation: round(relation.relation, 3),
    relationUpper: round(relation.relationUpper, 3),
    withinCosine: round(relation.within.cosine, 4),
    withinChance: round(relation.within.chance, 4),
    acrossCosine: round(relation.across.cosine, 4),
    acrossChance: round(relation.across.chance, 4),
    probes: relation.across.probes,
    pool: relation.across.pool,
  };
}
