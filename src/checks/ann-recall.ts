import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import type { AnnAudit } from '../gather/artifacts.js';
import { defineCheck } from './check.js';

/**
 * Below 0.9 the index misses one true neighbour in ten that exact search finds: users notice.
 * Below 0.5 it misses most of them: retrieval is broken, whatever the parameters say.
 */
const RECALL_WARN_BELOW = 0.9;
const RECALL_FAIL_BELOW = 0.5;
/** A sweep that gains this much recall shows the knob, not the index, is the problem. */
const SWEEP_GAIN = 0.05;

export default defineCheck({
  meta: {
    code: 'ann-recall',
    title: 'The index finds what exact search finds',
    failureTitle: "The index misses neighbours that exact search finds",
    description:
      "An approximate index trades recall for speed through its search parameter (efSearch, ef, nprobe, probes). Set too " +
      'low, or built on data it no longer fits (stale centroids, a graph built with tiny M), it silently returns a ' +
      'different top-k than exact search over the same vectors.',
    decides:
      `Searches random sampled rows (and --queries) with the index as configured and exactly, and averages recall@10. Warns below ${RECALL_WARN_BELOW}, fails below ${RECALL_FAIL_BELOW}. ` +
      `Repeats the search at larger parameter values: if recall climbs by ${SWEEP_GAIN} or more the fix is a parameter, otherwise a rebuild. ` +
      'Runs within --audit-budget seconds (default 25): when the budget cuts it, recall is measured on fewer queries (the interval widens) or fewer sweep points, and the finding says so (info when recall still passes).',
    evidence: {
      recallAt10: 'mean recall@10 of the index against exact search',
      interval95: '95% interval of that mean',
      queries: 'queries the recall is measured on, and their origin',
      plannedQueries: 'queries the audit drew (more than `queries` when the budget cut it)',
      budgetSeconds: 'the audit time budget (--audit-budget)',
      seconds: 'the seconds the audit took',
      cuts: 'what the budget cut: queries not measured, sweep points measured on fewer queries or skipped',
      exactMethod: 'how the exact answer was computed',
      parameter: 'the search-time knob and its current value',
      sweep: 'recall at larger values of the knob, and the queries each was measured on',
    },
    labels: ['No.8'],
    requiredArtifacts: ['annAudit'],
    fix: 'Raise the search parameter where the sweep shows recall recovering (e.g. SET hnsw.ef_search, ivfflat.probes, nprobe; LanceDB .ef(n), .nprobes(n)); if it does not recover, rebuild the index on the current data with `vectorclinic rebuild`.',
  },
  run({ annAudit }) {
    if (!annAudit) return null;
    if (annAudit.recall >= RECALL_WARN_BELOW) {
      if (annAudit.cuts.length === 0) return null;
      return {
        severity: 'info',
        title: 'Index recall measured within the audit budget, with less than planned',
        message:
          `The index returns ${percent(annAudit.recall, 1)} of the exact top-${annAudit.k} (95% interval ${percent(annAudit.recallLow, 1)}–${percent(annAudit.recallHigh, 1)}, ` +
          `${count(annAudit.queries)} of ${count(annAudit.plannedQueries)} queries). The audit budget cut: ${annAudit.cuts.join('; ')}.`,
        evidence: evidenceOf(annAudit),
        fix: 'Nothing to fix in the store; raise --audit-budget for a narrower interval and the full sweep.',
      };
    }
    const best = annAudit.sweep.reduce((top, point) => (point.recall > top.recall ? point : top), { value: annAudit.tuning?.current ?? 0, recall: annAudit.recall });
    const parameterFix = annAudit.tuning !== undefined && best.recall - annAudit.recall >= SWEEP_GAIN;
    const knob = annAudit.tuning?.name ?? 'the search parameter';
    return {
      severity: annAudit.recall < RECALL_FAIL_BELOW ? 'fail' : 'warn',
      message:
        `The index returns ${percent(annAudit.recall, 1)} of the exact top-${annAudit.k} (95% interval ${percent(annAudit.recallLow, 1)}–${percent(annAudit.recallHigh, 1)}, ${count(annAudit.queries)} queries).` +
        (annAudit.cuts.length ? ` The audit budget cut: ${annAudit.cuts.join('; ')}.` : '') +
        (annAudit.sweep.length
          ? parameterFix
            ? ` Raising ${knob} to ${best.value} brings it to ${percent(best.recall, 1)}: a parameter fix.`
            : ` Raising ${knob} (up to ${Math.max(...annAudit.sweep.map((p) => p.value))}) does not help (best ${percent(best.recall, 1)}): the index itself must be rebuilt.`
          : ''),
      evidence: evidenceOf(annAudit),
      fix: parameterFix
        ? `Set ${knob} to at least ${best.value} for queries against this index.`
        : 'Rebuild the index on the current data (retrain IVF centroids / rebuild the graph with larger M and efConstruction): `vectorclinic rebuild`.',
    };
  },
});

function evidenceOf(annAudit: AnnAudit): Evidence {
  return {
    recallAt10: round(annAudit.recall, 4),
    interval95: [round(annAudit.recallLow, 4), round(annAudit.recallHigh, 4)],
    queries: annAudit.queries,
    plannedQueries: annAudit.plannedQueries,
    origin: annAudit.origin,
    exactMethod: annAudit.exactMethod,
    parameter: annAudit.tuning ? { name: annAudit.tuning.name, current: annAudit.tuning.current } : null,
    sweep: annAudit.sweep.map((point) => ({ value: point.value, recall: round(point.recall, 4), queries: point.queries })),
    budgetSeconds: annAudit.budgetSeconds ?? null,
    seconds: round(annAudit.seconds, 3),
    cuts: [...annAudit.cuts],
  };
}
