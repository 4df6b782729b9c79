import { count, percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import type { Artifacts, Reachability } from '../gather/artifacts.js';
import { wilsonInterval } from '../math/bounds.js';
import { HNSW_EF_CONSTRUCTION, HNSW_M } from '../core/hnsw-defaults.js';
import { defineCheck } from './check.js';

/**
 * A well-built HNSW graph still misses a row now and then at a low ef (about 1 in 100 at M 16, ef 10
 * on real embeddings). Beyond 2% of rows that no query can reach, not even the row's own vector,
 * whole regions of the data are cut off; the warning needs the whole 95% interval above that line.
 */
export const UNREACHABLE_TOLERANCE = 0.02;
/** A tenth of the rows unreachable: ann-recall's warning line, reached by the easiest query there is. */
export const UNREACHABLE_FAIL = 0.1;

export default defineCheck({
  meta: {
    code: 'unreachable-rows',
    title: 'Every row can be found by its own vector',
    failureTitle: 'The graph index holds rows that search cannot return',
    description:
      "A graph index (HNSW in FAISS, hnswlib, usearch, pgvector, LanceDB) reaches a row only through its neighbours' links. Built with a small M or " +
      'efConstruction, on tightly clustered data or on many exact duplicates (whose links the neighbour heuristic prunes), or worn by deletes and ' +
      'replacements, it leaves rows that no search path leads to: they count in ntotal but are never retrieved, whatever the query.',
    decides:
      `Index files: searches up to 1,000 sampled stored rows for themselves with the index, at the setting the ANN audit uses (--search, the store manifest, the index's own, or the library default), top-10, within the same --audit-budget. ` +
      'A row is unreachable when it is not in the top-10 for its own vector; a miss whose results hold an identical vector is a tie between exact duplicates and is left out, and under inner product (where a longer vector nearby can outrank a row for its own vector) so is a miss that exact search over the stored vectors does not return either. Deleted elements are not searched. ' +
      `Warns when the share of unreachable rows is above ${percent(UNREACHABLE_TOLERANCE, 0)} with its whole 95% (Wilson) interval, fails above ${percent(UNREACHABLE_FAIL, 0)} (a tenth of the rows lost to the easiest query there is: ann-recall's warning line). ` +
      `The missed rows are searched again at the audit's larger settings and doublings up to 512: when one brings the share to ${percent(UNREACHABLE_TOLERANCE, 0)} or below, that setting is the fix; when none does, the graph must be rebuilt (larger M and efConstruction, exact duplicates removed first). ` +
      "When the setting is the library's default (hnswlib, usearch and untouched FAISS files do not store theirs), the verdict rests on the largest setting measured, as in ann-recall, and a share recovered there is only reported as info. " +
      "Live stores with a graph index (pgvector HNSW, LanceDB IVF_HNSW_*) do not say which id a sampled row has: there the ANN audit's own searches are reused (no search of their own): its queries are sampled stored rows, and under L2 or cosine the exact first answer for a stored vector is the row itself, so a row is unreachable when the index's top-10 at the audited setting lacks that answer (with exact duplicates in the store, only when it holds none of the exact top-10). Under inner product a row need not be its own first answer, and with --queries the audit searches no stored rows: then the check does not run on a store.",
    evidence: {
      method: "how a row's own id is known: 'own-id' (the index file's labels / keys) or 'exact-first' (a live store's exact first answer, from the ANN audit's searches)",
      unreachableShare: 'share of the searched rows not in their own top-10 at the audited setting (ties excluded)',
      interval95: '95% Wilson interval of that share',
      unreachable: 'rows not returned for their own vector',
      rowsProbed: 'rows searched for themselves (deleted elements excluded), and how many were planned',
      plannedRows: 'rows the check drew (more than rowsProbed when the audit budget cut it)',
      duplicateTies: 'misses whose results held an identical vector (exact duplicates tie), left out of the share',
      notOwnAnswer: 'inner product: misses that exact search does not return for their own vector either, left out of the share',
      firstIds: "ids of the first unreachable rows, as the index labels them (live stores: the application's document ids)",
      parameter: "the search-time knob, the audited value, and where it came from ('option', 'manifest', 'index', or 'default' when assumed)",
      sweep: 'rows still unreachable when searched again at larger settings, with the share and its interval',
      recoveredAt: 'the smallest setting bringing the share to the tolerance or below (null: none measured does)',
      graph: "the index's build parameters (M, efConstruction / connectivity)",
      seconds: 'the seconds the self-search took',
      cuts: 'what the audit budget cut',
    },
    labels: ['No.8'],
    requiredArtifacts: ['reachability'],
    optionalArtifacts: ['index', 'source', 'rowStats'],
    fix: 'Raise the search setting where the sweep shows the rows come back; if none does, rebuild the graph with a larger M and efConstruction (after removing exact duplicates): `vectorclinic rebuild`.',
  },
  run(artifacts) {
    const reach = artifacts.reachability;
    if (!reach) return null;
    const searched = reach.rowsProbed - reach.ties - reach.notOwnAnswer;
    if (searched <= 0) return null;
    const current = pointOf(reach.unreachable, searched);
    const sweep = reach.sweep.map((point) => ({ value: point.value, ...pointOf(point.unreachable, searched) }));
    const assumed = reach.tuning?.from === 'default';
    // An assumed setting says nothing about the application: judge what the graph can do at the largest setting measured.
    const judged = assumed && sweep.length ? sweep[sweep.length - 1]! : current;
    const recovered = sweep.find((point) => point.share <= UNREACHABLE_TOLERANCE);
    const evidence = evidenceOf(reach, artifacts, current, sweep, recovered?.value);
    if (current.low <= UNREACHABLE_TOLERANCE) return null;
    const knob = reach.tuning?.name ?? 'the search setting';
    const at = reach.tuning ? ` at ${knob} ${reach.tuning.current}${assumed ? " (the library's default, assumed)" : ''}` : '';
    const measured = `${count(reach.unreachable)} of ${count(searched)} sampled rows (${percent(current.share, 1)}, 95% interval ${percent(current.low, 1)}–${percent(current.high, 1)}) are not in the top-${reach.k} for their own vector${at}`;
    const examples = reach.examples.length ? ` First ids: ${reach.examples.join(', ')}.` : '';
    const ties = reach.ties ? ` ${count(reach.ties)} misses that returned an identical copy instead were left out.` : '';
    const cuts = reach.cuts.length ? ` The audit budget cut: ${reach.cuts.join('; ')}.` : '';
    if (recovered) {
      const fix = `Set ${knob} to at least ${recovered.value} for queries against this index.`;
      if (assumed) {
        return {
          severity: 'info',
          title: 'Rows unreachable at an assumed search setting: not judged',
          message: `${measured}.${examples}${ties} At ${knob} ${recovered.value} ${shareText(recovered)} remain: a larger setting brings them back, so nothing is warned for a setting nobody recorded; pass --search ${knob}=N to judge the value the application sets.${cuts}`,
          evidence,
          fix,
        };
      }
      return {
        severity: severityOf(current.low),
        message: `${measured}.${examples}${ties} Raising ${knob} to ${recovered.value} brings them back, leaving ${shareText(recovered)}: a parameter fix.${cuts}`,
        evidence,
        fix,
      };
    }
    if (judged.low <= UNREACHABLE_TOLERANCE) return null;
    const best = sweep.length ? ` Searched again up to ${knob} ${sweep[sweep.length - 1]!.value}, ${shareText(sweep[sweep.length - 1]!)} remain unreachable: no setting measured brings them back.` : '';
    return {
      severity: severityOf(judged.low),
      message: `${measured}.${examples}${ties}${best} The graph itself cuts them off.${cuts}`,
      evidence,
      fix: rebuildAdvice(artifacts),
    };
  },
});

interface SharePoint {
  readonly share: number;
  readonly low: number;
  readonly high: number;
}

function pointOf(unreachable: number, searched: number): SharePoint {
  return { share: unreachable / searched, ...wilsonInterval(unreachable, searched) };
}

function severityOf(low: number): 'warn' | 'fail' {
  return low > UNREACHABLE_FAIL ? 'fail' : 'warn';
}

function shareText(point: SharePoint): string {
  return `${percent(point.share, 1)} (95% interval ${percent(point.low, 1)}–${percent(point.high, 1)})`;
}

/** The build parameters to raise, in the index's own terms, and duplicates to remove first. */
function rebuildAdvice(artifacts: Artifacts): string {
  const params = artifacts.index?.params ?? {};
  const M = params.M ?? params.connectivity;
  const built = M !== undefined ? ` (this one: M ${M}, efConstruction ${params.efConstruction ?? params.expansion_add ?? 'unknown'})` : '';
  const duplicates = artifacts.rowStats.duplicates.duplicateRows;
  const dedup = duplicates > 0 ? `Remove the ${count(Math.round(duplicates))} exact duplicate rows first (their links crowd each other out), then rebuild` : 'Rebuild';
  return `${dedup} the graph with a larger M and efConstruction${built}; \`vectorclinic rebuild\` uses M ${HNSW_M}, efConstruction ${HNSW_EF_CONSTRUCTION} and folds exact duplicates.`;
}

function evidenceOf(reach: Reachability, artifacts: Artifacts, current: SharePoint, sweep: readonly (SharePoint & { value: number })[], recoveredAt: number | undefined): Evidence {
  const params = artifacts.index?.params ?? {};
  const graph: Record<string, number | string | boolean> = {};
  for (const name of ['M', 'efConstruction', 'connectivity', 'connectivityBase']) if (params[name] !== undefined) graph[name] = params[name]!;
  return {
    method: reach.method,
    unreachableShare: round(current.share, 4),
    interval95: [round(current.low, 4), round(current.high, 4)],
    unreachable: reach.unreachable,
    rowsProbed: reach.rowsProbed,
    plannedRows: reach.plannedRows,
    duplicateTies: reach.ties,
    notOwnAnswer: reach.notOwnAnswer,
    firstIds: [...reach.examples],
    parameter: reach.tuning ? { name: reach.tuning.name, current: reach.tuning.current, from: reach.tuning.from } : null,
    sweep: sweep.map((point, i) => ({ value: point.value, unreachable: reach.sweep[i]!.unreachable, share: round(point.share, 4), interval95: [round(point.low, 4), round(point.high, 4)] })),
    recoveredAt: recoveredAt ?? null,
    graph,
    seconds: round(reach.seconds, 3),
    cuts: [...reach.cuts],
  };
}
