import { count, figure, percent, round } from '../core/format.js';
import { collapse } from '../computed/collapse.js';
import { geometry } from '../computed/geometry.js';
import { defineCheck, notRun } from './check.js';

/**
 * Unrelated random queries share ~k/N of their neighbours in a healthy store (≈0). Above 0.35
 * more than a third of every list is the same rows whatever the query: retrieval has collapsed.
 */
export const OVERLAP_FAIL = 0.35;
/** Above 0.2, one neighbour in five is shared by unrelated queries: hubs are taking over. */
export const OVERLAP_WARN = 0.2;

export default defineCheck({
  meta: {
    code: 'neighbor-collapse',
    title: 'Neighbour lists depend on the query',
    failureTitle: 'Top-k lists look the same for unrelated queries',
    description:
      'When vectors crowd into a narrow cone (anisotropy), when a few rows have inflated norms under inner product, ' +
      'or when boilerplate rows sit near the centre of the cloud, the same rows ("hubs") come back for every query ' +
      'and recall collapses, while every individual result still looks plausible.',
    decides:
      `Draws random probe queries (from --queries, else held-out rows), finds each one's exact top-20 under the metric the store searches with, ` +
      `and averages |A∩B|/20 over all query pairs (overlap@20). Fails above ${OVERLAP_FAIL}, warns above ${OVERLAP_WARN}. ` +
      'PC1 share and mean pairwise cosine are reported as evidence of anisotropy.',
    evidence: {
      overlapAt20: 'mean share of neighbours two random queries have in common',
      maxOverlap: 'the largest overlap of any query pair',
      queries: 'probe queries used (origin: query file or held-out rows)',
      origin: "where the probe queries came from: 'queries' (--queries) or 'held-out' (sampled rows left out of the searched set)",
      baseRows: 'sampled rows the probe queries were searched over',
      k: 'neighbour list length the overlap is measured at',
      metric: 'metric the lists were computed under',
      hubs: 'rows appearing in the most lists, with the share of lists they appear in',
      pc1Ratio: 'share of variance on the first principal component (unit vectors, centered)',
      meanCosine: 'mean cosine between random pairs of stored vectors',
    },
    labels: ['No.8'],
    requiredArtifacts: ['sample', 'settings', 'declared'],
    optionalArtifacts: ['index', 'queries'],
    fix: 'Look at the hub rows first (boilerplate, empty or concatenated texts: remove them). For anisotropic embeddings, center the vectors (subtract the corpus mean) or whiten them before normalizing, and rebuild: `vectorclinic rebuild <vectors> --whiten`. Under inner product, normalize.',
  },
  run(artifacts, context) {
    const measured = collapse(artifacts, context);
    if (!measured) return notRun('too few valid rows to measure neighbour overlap between random queries');
    const shape = geometry(artifacts, context);
    const evidence = {
      overlapAt20: round(measured.overlap, 4),
      maxOverlap: round(measured.maxOverlap, 4),
      queries: measured.queries,
      origin: measured.origin,
      baseRows: measured.baseRows,
      metric: measured.metric,
      k: measured.k,
      hubs: measured.hubs.map((hub) => ({ row: hub.row, listShare: round(hub.listShare, 3) })),
      pc1Ratio: shape ? round(shape.pc1Ratio, 4) : null,
      meanCosine: shape ? round(shape.meanCosine, 4) : null,
    };
    if (measured.overlap <= OVERLAP_WARN) return null;
    const hub = measured.hubs[0];
    return {
      severity: measured.overlap > OVERLAP_FAIL ? 'fail' : 'warn',
      message:
        `Random queries share ${percent(measured.overlap, 1)} of their top-${measured.k} neighbours on average (overlap@${measured.k} ${figure(measured.overlap, 3)} over ${count(measured.pairs)} query pairs, ${measured.metric}).` +
        (hub ? ` Row ${hub.row} is in ${percent(hub.listShare, 0)} of all lists.` : '') +
        (shape ? ` Mean pairwise cosine ${figure(shape.meanCosine, 3)}, PC1 holds ${percent(shape.pc1Ratio, 1)} of the variance.` : ''),
      evidence,
    };
  },
});
