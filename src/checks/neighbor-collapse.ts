import { count, figure, percent, round } from '../core/format.js';
import { collapse } from '../computed/collapse.js';
import { geometry } from '../computed/geometry.js';
import { HUB_SLOT_DAMAGE, hubness, MAJORITY_HUB_SHARE, REACHED_RATIO_DAMAGE } from '../computed/hubness.js';
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
      `and averages |A∩B|/20 over all query pairs (overlap@20). Two unrelated queries of a hub-free store of N rows share k/N of their lists by chance; the overlap beyond that, (overlap − k/N)/(1 − k/N), fails above ${OVERLAP_FAIL} and warns above ${OVERLAP_WARN}. ` +
      'Hubness is judged here, not by a code of its own, because hubs are what collapses the lists: one finding says what the k-occurrence numbers mean, so the report never shows a loud skewness beside a pass without saying why. ' +
      `From the same lists: each row's k-occurrence (the lists it is in), its skewness, and the share of rows in no list (antihubs), set against a hub-free store of the same size (each row in a list with probability k/N; in none with probability e^(−λ), λ = probes·k/N). ` +
      `Skewness alone is not damage (real embeddings are somewhat hubby); it warns only when hubness predicts retrieval damage: rows in at least ${percent(MAJORITY_HUB_SHARE, 0)} of the lists that together take at least ${percent(HUB_SLOT_DAMAGE, 0)} of all result slots (the same rows in most results whatever the query; one natural hub of real embeddings in half the lists takes one slot in 40 and is not damage), or random queries reaching at most ${percent(REACHED_RATIO_DAMAGE, 0)} of the rows a hub-free store would show, with the whole 95% interval. ` +
      'Hubness is judged from 20 probes on, and only when a top-20 list covers at most 1% of the sampled rows (in smaller stores the natural hubs of real embeddings reach half the lists harmlessly); under inner product over vectors of unequal length the hubs are the longest rows, which metric-mismatch reports, so no hubness warning is added there. PC1 share and mean pairwise cosine are reported as evidence of anisotropy.',
    evidence: {
      overlapAt20: 'mean share of neighbours two random queries have in common',
      overlapIfHubFree: 'what two unrelated queries of a hub-free store of this size share by chance (k/N)',
      hubness:
        "k-occurrence skewness (and a hub-free store's), antihub share (and a hub-free store's), rows reached relative to a hub-free store with a 95% interval, the row in the most lists with its share, the rows in at least half the lists and the share of result slots they take, whether it was judged, what damages retrieval, and what the numbers mean",
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
    optionalArtifacts: ['index', 'queries', 'rowStats'],
    fix: 'Look at the hub rows first (boilerplate, empty or concatenated texts: remove them). For anisotropic embeddings, center the vectors (subtract the corpus mean) or whiten them before normalizing, and rebuild: `vectorclinic rebuild <vectors> --whiten`. Under inner product, normalize.',
  },
  run(artifacts, context) {
    const measured = collapse(artifacts, context);
    if (!measured) return notRun('too few valid rows to measure neighbour overlap between random queries');
    const shape = geometry(artifacts, context);
    const hub = hubness(artifacts, context);
    const chance = measured.baseRows > 0 ? measured.k / measured.baseRows : 0;
    // The overlap beyond what unrelated queries of a hub-free store share by chance (k/N): 0 when no hubs, 1 when every list is the same.
    const excess = chance < 1 ? Math.max(0, (measured.overlap - chance) / (1 - chance)) : 0;
    const evidence = {
      overlapAt20: round(measured.overlap, 4),
      overlapIfHubFree: round(chance, 4),
      maxOverlap: round(measured.maxOverlap, 4),
      queries: measured.queries,
      origin: measured.origin,
      baseRows: measured.baseRows,
      metric: measured.metric,
      k: measured.k,
      hubs: measured.hubs.map((hub) => ({ row: hub.row, listShare: round(hub.listShare, 3) })),
      hubness: hub
        ? {
            skewness: round(hub.skewness, 3),
            skewnessIfHubFree: round(hub.skewnessIfHubFree, 3),
            antihubShare: round(hub.antihubShare, 4),
            antihubShareIfHubFree: round(hub.antihubShareIfHubFree, 4),
            reachedRatio: round(hub.reachedRatio, 3),
            reachedRatio95: [round(hub.reachedRatioLow, 3), round(hub.reachedRatioHigh, 3)],
            topHubListShare: hub.topHub ? round(hub.topHub.listShare, 3) : null,
            majorityHubs: hub.majorityHubs,
            majorityHubSlotShare: round(hub.majorityHubSlotShare, 4),
            listShareIfHubFree: round(hub.listShareIfHubFree, 4),
            judged: hub.judged,
            damage: hub.damage ?? null,
            meaning: hub.meaning,
          }
        : null,
      pc1Ratio: shape ? round(shape.pc1Ratio, 4) : null,
      meanCosine: shape ? round(shape.meanCosine, 4) : null,
    };
    const hubText = hub ? ` Hubness: ${hub.meaning}` : '';
    // Inner product over vectors of unequal length: the hubs are the longest rows, which metric-mismatch reports as norm dominance.
    const normDominated = measured.metric === 'ip' && artifacts.rowStats.norms.unitRows < artifacts.rowStats.validRows;
    if (excess <= OVERLAP_WARN) {
      if (!hub?.damage || normDominated) return null;
      return {
        severity: 'warn',
        title: hub.damage === 'majority-hub' ? 'Hub rows come back for most queries' : 'Hubs hide most rows from unrelated queries',
        message:
          `Random queries share ${percent(measured.overlap, 1)} of their top-${measured.k} neighbours on average (${percent(chance, 1)} by chance), below this check's overlap line, but the lists are dominated by hubs.${hubText}` +
          (shape ? ` Mean pairwise cosine ${figure(shape.meanCosine, 3)}, PC1 holds ${percent(shape.pc1Ratio, 1)} of the variance.` : ''),
        evidence,
      };
    }
    const top = measured.hubs[0];
    return {
      severity: excess > OVERLAP_FAIL ? 'fail' : 'warn',
      message:
        `Random queries share ${percent(measured.overlap, 1)} of their top-${measured.k} neighbours on average (overlap@${measured.k} ${figure(measured.overlap, 3)} over ${count(measured.pairs)} query pairs, ${measured.metric}; ${percent(chance, 1)} by chance).` +
        (top && !hub ? ` Row ${top.row} is in ${percent(top.listShare, 0)} of all lists.` : '') +
        hubText +
        (shape ? ` Mean pairwise cosine ${figure(shape.meanCosine, 3)}, PC1 holds ${percent(shape.pc1Ratio, 1)} of the variance.` : ''),
      evidence,
    };
  },
});
