import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { rebuildCauses, type RebuildCause } from './rebuild-causes.js';
import { bestPoint, pointText, reachText, recallCurve, RECALL_TARGETS, smallestReaching, type CurvePoint } from '../gather/recall-curve.js';
import type { AnnAudit, Artifacts } from '../gather/artifacts.js';
import { describeSetting } from '../gather/search-setting.js';
import { HNSW_EF_CONSTRUCTION, HNSW_M } from '../core/hnsw-defaults.js';
import { defineCheck } from './check.js';

/**
 * Below 0.9 the index misses one true neighbour in ten that exact search finds: users notice.
 * Below 0.5 it misses most of them: retrieval is broken, whatever the parameters say.
 */
const RECALL_WARN_BELOW = 0.9;
const RECALL_FAIL_BELOW = 0.5;
/** A parameter fix aims at the first recall target (95%); one that only clears the warning line still counts, and says so. */
const FIX_TARGET = RECALL_TARGETS[0];
const DECODED_BASIS = "Measured against the index's own reconstructed vectors: the quantization loss is not included (pass --vectors with the embeddings the index was built from to measure true recall).";

export default defineCheck({
  meta: {
    code: 'ann-recall',
    title: 'The index finds what exact search finds',
    failureTitle: 'The index misses neighbours that exact search finds',
    description:
      'An approximate index trades recall for speed through its search parameter (efSearch, ef, nprobe, probes). Set too ' +
      'low, or built on data it no longer fits (stale centroids, a graph built with tiny M), it silently returns a ' +
      'different top-k than exact search over the same vectors.',
    decides:
      `Searches random sampled rows (and --queries) with the index and exactly, and averages recall@10 with a 95% interval. Warns below ${RECALL_WARN_BELOW}, fails below ${RECALL_FAIL_BELOW}. ` +
      'The index is searched at the setting the application uses: --search, else the one the store manifest records (what `rebuild` set), else the one the index stores (FAISS nprobe/efSearch). ' +
      "hnswlib and usearch files and LanceDB tables do not store theirs, and a FAISS file holding FAISS's own default (nprobe 1, efSearch 16) says nothing about what the application sets: the default is then an assumption, stated with the recall there and the settings that reach 95% and 99%; the verdict then rests on the best setting measured, so a clean index is never warned for a setting nobody recorded. " +
      `The search is repeated at other settings: a parameter fix is offered only when a setting reaches ${percent(RECALL_WARN_BELOW, 0)} (the smallest reaching ${percent(FIX_TARGET, 0)} when one does), with its interval; when the curve stays below, the index must be rebuilt, and the finding says what the best setting reached. ` +
      'No parameter fix (and no graph advice) is offered when another check puts the cause elsewhere: stale-codebook (retrain), count-mismatch (re-add the rows), deleted-rows when dead entries cut searches short (clean up; a larger setting only works around them). Exact answers come from --vectors when given (true recall); otherwise from the vectors the index stores, and when those are lossy reconstructions (PQ, SQ) the finding says the quantization loss is not included. ' +
      'Runs within --audit-budget seconds (default 25): when the budget cuts it, recall is measured on fewer queries (the interval widens) or fewer sweep points, and the finding says so (info when recall still passes).',
    evidence: {
      recallAt10: 'mean recall@10 of the index against exact search, at the audited setting',
      interval95: '95% interval of that mean',
      queries: 'queries the recall is measured on, and their origin',
      origin: "where the audit queries came from: 'queries' (--queries), 'sampled-rows' (stored rows), 'reference-rows' (rows of --vectors)",
      plannedQueries: 'queries the audit drew (more than `queries` when the budget cut it)',
      budgetSeconds: 'the audit time budget (--audit-budget)',
      seconds: 'the seconds the audit took',
      cuts: 'what the budget cut: queries not measured, sweep points measured on fewer queries or skipped',
      exactMethod: 'how the exact answer was computed',
      exactBasis: "what exact search ran over: 'reference' (--vectors, true recall), 'stored' (the index's own lossless vectors), 'decoded' (its lossy reconstructions: quantization loss not included)",
      parameter: "the search-time knob, the audited value, and where it came from ('option' --search, 'manifest', 'index', or 'default' when assumed)",
      sweep: 'recall at other values of the knob, with 95% intervals and the queries each was measured on',
      reaches: 'the smallest measured setting reaching 95% and 99% recall (null: none measured does)',
      bestRecall: 'the highest recall any measured setting gave, and that setting',
      rebuildCauses: "other checks' findings that put the cause in the build, so no parameter fix is offered",
    },
    labels: ['No.8'],
    requiredArtifacts: ['annAudit', 'sample', 'settings'],
    optionalArtifacts: ['index', 'reference', 'deletedRows'],
    fix: 'Raise the search parameter where the sweep shows recall reaching the target (e.g. SET hnsw.ef_search, ivfflat.probes, nprobe; LanceDB .ef(n), .nprobes(n)); if no setting reaches it, rebuild the index on the current data with `vectorclinic rebuild`.',
  },
  run(artifacts, context) {
    const audit = artifacts.annAudit;
    if (!audit) return null;
    const causes = rebuildCauses(artifacts, context);
    const assumed = audit.tuning?.from === 'default';
    const best = bestPoint(audit);
    const evidence = evidenceOf(audit, causes);
    const basis = audit.exactBasis === 'decoded' ? ` ${DECODED_BASIS}` : '';
    const cuts = audit.cuts.length ? ` The audit budget cut: ${audit.cuts.join('; ')}.` : '';
    const measured = `${percent(audit.recall, 1)} of the exact top-${audit.k} (95% interval ${percent(audit.recallLow, 1)}–${percent(audit.recallHigh, 1)}, ${count(audit.queries)} queries)`;
    const at = audit.tuning && !assumed ? `${measured} at ${describeSetting(settingOf(audit))}` : measured;
    const assumption = `Assumed search setting: ${audit.tuning?.assumed ?? 'the setting is not recorded'}`;
    // An assumed setting says nothing about the application: judge what the index can do at its best measured setting.
    const judged = assumed ? best.recall : audit.recall;

    if (judged >= RECALL_WARN_BELOW) {
      if (audit.exactBasis === 'decoded' && causes.length) {
        return {
          severity: 'info',
          title: 'Index recall not judged: measured against vectors the codebook no longer fits',
          message: `The index returns ${at}.${basis} ${capitalize(causes.map((cause) => cause.reason).join('; '))}: recall against its decoded vectors does not show what retrieval loses.${cuts}`,
          evidence,
          fix: causes[0]!.fix,
        };
      }
      if (assumed && audit.recall < RECALL_WARN_BELOW) {
        const fixPoint = fixPointOf(audit, causes);
        return {
          severity: 'info',
          title: 'Index recall at an assumed search setting: not judged',
          message:
            `${assumption}, and no --search or store manifest gives the one your application uses. ` +
            `At that default the index returns ${at}; ${reachText(audit, RECALL_TARGETS[0])} and ${reachText(audit, RECALL_TARGETS[1])}.${basis}${cuts} ` +
            `A larger setting (best: ${audit.tuning!.name} ${best.value}, ${percent(best.recall, 1)}) brings the index above this check's ${percent(RECALL_WARN_BELOW, 0)} line, so nothing is warned for a setting nobody recorded; pass --search ${audit.tuning!.name}=N to audit (and gate on) the value the application sets.`,
          evidence,
          fix: fixPoint
            ? `If the application searches at the default, set ${audit.tuning!.name} to at least ${fixPoint.value}; record it (\`vectorclinic rebuild\` writes it into the manifest) or pass --search ${audit.tuning!.name}=${fixPoint.value} to check.`
            : `Pass --search ${audit.tuning!.name}=N with the value the application sets.`,
        };
      }
      if (audit.cuts.length === 0) return null;
      return {
        severity: 'info',
        title: 'Index recall measured within the audit budget, with less than planned',
        message: `The index returns ${percent(audit.recall, 1)} of the exact top-${audit.k} (95% interval ${percent(audit.recallLow, 1)}–${percent(audit.recallHigh, 1)}, ${count(audit.queries)} of ${count(audit.plannedQueries)} queries).${basis}${cuts}`,
        evidence,
        fix: 'Nothing to fix in the store; raise --audit-budget for a narrower interval and the full sweep.',
      };
    }

    const fixPoint = assumed ? undefined : fixPointOf(audit, causes);
    const knob = audit.tuning?.name ?? 'the search parameter';
    let advice = '';
    if (causes.length && causes.every((cause) => cause.code === 'deleted-rows')) {
      // A wider search does reach past dead entries, at a cost on every query: the clean-up is the fix.
      advice = ` ${capitalize(causes.map((cause) => cause.reason).join('; '))}: a larger ${knob} only works around them${audit.sweep.length ? ` (${knob} ${best.value} gives ${pointText(best)})` : ''}; clean them up first.`;
    } else if (causes.length) {
      advice = ` ${capitalize(causes.map((cause) => cause.reason).join('; '))}: no search setting fixes that${audit.sweep.length ? ` (the best measured, ${knob} ${best.value}, gives ${pointText(best)} against ${audit.exactBasis === 'decoded' ? 'the same decoded vectors' : 'exact search'})` : ''}.`;
    } else if (fixPoint) {
      advice = ` Raising ${knob} to ${fixPoint.value} brings it to ${pointText(fixPoint)}, ${fixPoint.recall >= FIX_TARGET ? `the ${percent(FIX_TARGET, 0)} target` : `above this check's ${percent(RECALL_WARN_BELOW, 0)} line but short of ${percent(FIX_TARGET, 0)}`}: a parameter fix.`;
    } else if (audit.sweep.length) {
      advice = ` ${capitalize(reachText(audit, RECALL_WARN_BELOW))}: the best, ${knob} ${best.value}, gives ${pointText(best)}. The index itself must be rebuilt.`;
    }
    const intro = assumed ? `${assumption}. At that default the index returns ${at}.` : `The index returns ${at}.`;
    return {
      severity: judged < RECALL_FAIL_BELOW ? 'fail' : 'warn',
      message: `${intro}${basis}${cuts}${advice}`,
      evidence,
      fix: causes.length
        ? causes[0]!.fix
        : fixPoint
          ? `Set ${knob} to at least ${fixPoint.value} for queries against this index${audit.tuning?.from === 'manifest' ? ', and record it in the manifest (`vectorclinic rebuild --apply` writes it)' : ''}.`
          : rebuildAdvice(artifacts),
    };
  },
});

/**
 * The setting to recommend: the smallest measured one above the audited value reaching the 95%
 * target, else the smallest clearing the warning line; none when another check puts the cause in
 * the build.
 */
function fixPointOf(audit: AnnAudit, causes: readonly RebuildCause[]): CurvePoint | undefined {
  if (causes.length || !audit.tuning) return undefined;
  const current = audit.tuning.current;
  const above = (target: number): CurvePoint | undefined => recallCurve(audit).find((point) => point.value > current && point.recall >= target);
  return above(FIX_TARGET) ?? above(RECALL_WARN_BELOW);
}

function settingOf(audit: AnnAudit): Parameters<typeof describeSetting>[0] {
  const tuning = audit.tuning!;
  return { name: tuning.name, value: tuning.current, from: tuning.from };
}

/** What to rebuild with, in the index's own terms. */
function rebuildAdvice(artifacts: Artifacts): string {
  const index = artifacts.index;
  const params = index?.params ?? {};
  if (index?.ivf) {
    return `Retrain the index on the current data with more lists (this one has nlist ${index.ivf.nlist})${params.pqM !== undefined ? ` and more PQ sub-quantizers (now ${params.pqM})` : ''}, then re-add the vectors: \`vectorclinic rebuild\`.`;
  }
  if (params.M !== undefined) {
    return `Rebuild the graph with a larger M and efConstruction (this one: M ${params.M}, efConstruction ${params.efConstruction ?? 'unknown'}; \`vectorclinic rebuild\` uses M ${HNSW_M}, efConstruction ${HNSW_EF_CONSTRUCTION}).`;
  }
  return 'Rebuild the index on the current data (retrain IVF centroids / rebuild the graph with larger M and efConstruction): `vectorclinic rebuild`.';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function evidenceOf(audit: AnnAudit, causes: readonly RebuildCause[]): Evidence {
  const best = bestPoint(audit);
  const reach = (target: number): number | null => smallestReaching(audit, target)?.value ?? null;
  return {
    recallAt10: round(audit.recall, 4),
    interval95: [round(audit.recallLow, 4), round(audit.recallHigh, 4)],
    queries: audit.queries,
    plannedQueries: audit.plannedQueries,
    origin: audit.origin,
    exactMethod: audit.exactMethod,
    exactBasis: audit.exactBasis,
    parameter: audit.tuning ? { name: audit.tuning.name, current: audit.tuning.current, from: audit.tuning.from } : null,
    sweep: audit.sweep.map((point) => ({ value: point.value, recall: round(point.recall, 4), interval95: [round(point.low, 4), round(point.high, 4)], queries: point.queries })),
    reaches: audit.tuning ? { '95%': reach(RECALL_TARGETS[0]), '99%': reach(RECALL_TARGETS[1]) } : null,
    bestRecall: { value: audit.tuning ? best.value : null, recall: round(best.recall, 4) },
    rebuildCauses: causes.map((cause) => cause.code),
    budgetSeconds: audit.auditBudget ?? null,
    seconds: round(audit.seconds, 3),
    cuts: [...audit.cuts],
  };
}
