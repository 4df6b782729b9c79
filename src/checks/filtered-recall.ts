import { percent, round } from '../core/format.js';
import type { Evidence } from '../core/finding.js';
import { RECALL_TARGETS } from '../gather/recall-curve.js';
import type { FilterAudit, FilteredRecallAudit, RemedyPoint } from '../gather/artifacts.js';
import { type CheckResult, defineCheck, notRun } from './check.js';

/** ann-recall's lines: below 0.9 users notice, below 0.5 retrieval is broken. */
const RECALL_WARN_BELOW = 0.9;
const RECALL_FAIL_BELOW = 0.5;
/** A remedy that reaches 95% (or the store's own unfiltered level) with full lists is a parameter fix. */
const FIX_TARGET = RECALL_TARGETS[0];

export default defineCheck({
  meta: {
    code: 'filtered-recall',
    title: 'Filtered searches find what exact filtered search finds',
    failureTitle: 'Filtered searches lose rows that match the filter',
    description:
      'A vector index built over every row serves `WHERE tenant_id = 7 ORDER BY embedding <=> q LIMIT 10` by walking its graph or lists ' +
      'and dropping the candidates that do not match (post-filtering). For a small tenant most candidates are dropped: the query returns ' +
      'fewer than LIMIT rows or the wrong ones (pgvector HNSW at the default ef_search 40 returns nothing for a 1% tenant), while unfiltered recall looks fine.',
    decides:
      'For each filter (--filter, repeatable; otherwise discovered: low-cardinality scalar columns, the values nearest 1% and 10% of rows), ' +
      "searches 50 vectors of matching rows (or --queries) with the store's own filtered query at its settings and exactly over the matching rows, " +
      'and reports recall@10 with a 95% interval and the queries answered with fewer rows than exist. ' +
      `Warns when a query comes back short, or when filtered recall is below ${percent(RECALL_WARN_BELOW, 0)} and its interval lies below the same store's unfiltered recall interval (the filter, not the index, loses the rows; ann-recall judges the index); fails below ${percent(RECALL_FAIL_BELOW, 0)} or when half the queries come back short. ` +
      `Then the engine's remedies are measured on the same queries (pgvector 0.8+: hnsw.iterative_scan / ivfflat.iterative_scan, max_scan_tuples, larger ef_search / probes): the first that gives full lists and brings recall to ${percent(FIX_TARGET, 0)} or back to the unfiltered level (its interval reaching the unfiltered one; a low unfiltered level is ann-recall's to fix) is a parameter fix; when none does, the fix is in the schema (a partial index per tenant, partitioning). ` +
      'Runs within --audit-budget seconds, split between filters; a filter the budget cannot measure is reported as not measured. A store without a low-cardinality column and no --filter: not run.',
    evidence: {
      filters: 'per filter: the filter, matching rows and their share, queries and their origin, recall@10 with its 95% interval, short answers, whether the vector index served it, and each remedy measured',
      origin: "'option' (--filter) or 'discovered'",
      discovery: 'what discovery looked at and picked',
      unfilteredRecall: "the same store's unfiltered recall@10 with its interval (ann-recall), the level filtered search is judged against",
      remedyNote: 'remedies this engine version cannot offer',
      budgetSeconds: 'the audit time budget (--audit-budget)',
      seconds: 'the seconds the filtered audit took',
      cuts: 'what the budget cut',
    },
    labels: ['No.8'],
    requiredArtifacts: ['filteredRecall', 'source'],
    fix: 'Make filtered queries scan until LIMIT is filled (pgvector 0.8+: SET hnsw.iterative_scan = relaxed_order), or give small tenants their own index (a partial index per tenant, or partition the table by tenant).',
  },
  run(artifacts) {
    const audit = artifacts.filteredRecall;
    if (!audit) return null;
    if (audit.notRun) return notRun(audit.notRun);
    const measured = audit.filters.filter((filter) => !filter.skipped);
    if (measured.length === 0) return notRun(`no filter could be measured: ${audit.filters.map((filter) => `${filter.filter}: ${filter.skipped}`).join('; ')}`);
    const problems = measured.filter((filter) => problemOf(filter, audit) !== undefined);
    if (problems.length === 0) return null;
    const worst = problems.reduce((a, b) => (b.recall < a.recall ? b : a));
    const fails = problems.some((filter) => filter.recall < RECALL_FAIL_BELOW || filter.shortQueries * 2 >= filter.queries);
    const fixes = problems.map((filter) => ({ filter, remedy: remedyFor(filter, audit) }));
    const parameter = fixes.every((entry) => entry.remedy) ? fixes[0]!.remedy : undefined;
    const lines = fixes.map(({ filter, remedy }) => `${filter.filter}: ${problemOf(filter, audit)}${remedy ? `; with ${remedy.label}: ${pointText(remedy)}` : `; no setting tried restores it${bestText(filter)}`}`);
    const unfiltered = audit.unfiltered ? ` Unfiltered, the index returns ${pointText(audit.unfiltered)}.` : '';
    const skipped =
      audit.filters.length > measured.length
        ? ` Not measured: ${audit.filters
            .filter((filter) => filter.skipped)
            .map((filter) => filter.filter)
            .join(', ')}.`
        : '';
    const result: CheckResult = {
      severity: fails ? 'fail' : 'warn',
      message: `${problems.length} of ${measured.length} filters lose matching rows (worst: ${worst.filter}, ${pointText(worst)}).${unfiltered} ${lines.join('. ')}.${skipped}${audit.remedyNote ? ` ${capitalize(audit.remedyNote)}.` : ''}`,
      evidence: evidenceOf(audit),
      fix: parameter
        ? `A parameter fix: ${parameter.label} on filtered queries${artifacts.source.kind === 'pgvector' || artifacts.source.kind === 'pglite' ? ' (SET LOCAL in the transaction, or ALTER DATABASE/ROLE … SET for every session)' : ''}; it restored every affected filter measured here.`
        : schemaFix(
            fixes.filter((entry) => !entry.remedy).map((entry) => entry.filter),
            artifacts.source.kind,
            artifacts.source.index?.type ?? 'hnsw',
          ),
    };
    return result;
  },
});

/** No setting restores these filters: they need an index of their own, or an exact plan, in the engine's terms. */
function schemaFix(filters: readonly FilterAudit[], kind: string, method: string): string {
  const first = filters[0]!;
  const names = filters.map((filter) => filter.filter).join(', ');
  const own =
    kind === 'lancedb'
      ? `Give such tenants a table of their own, or search them exactly (a scalar index on ${first.column} keeps the pre-filter cheap, and .bypassVectorIndex() on a small filtered set is exact)`
      : kind === 'chroma'
        ? 'Give such tenants a collection of their own'
        : `Give such filters their own index (a partial index: CREATE INDEX … USING ${method} (embedding …) WHERE ${first.filter}), partition the table by ${first.column} with an index per partition, or let small ones be searched exactly (a btree index on ${first.column}, so the planner filters before ranking)`;
  return `A schema fix: no search setting measured restores ${names}. ${own}.`;
}

/** What is wrong with a filter's answers, or undefined when they are as good as the store's unfiltered ones. */
function problemOf(filter: FilterAudit, audit: FilteredRecallAudit): string | undefined {
  const short = filter.shortQueries > 0 ? `${filter.shortQueries} of ${filter.queries} queries returned fewer rows than match` : undefined;
  // Judged against the same store's unfiltered recall: only a drop the filter causes is this check's.
  const belowUnfiltered = audit.unfiltered === undefined || filter.high < audit.unfiltered.low;
  const low = filter.recall < RECALL_WARN_BELOW && belowUnfiltered ? `recall@${audit.k} ${pointText(filter)}` : undefined;
  const parts = [low, short].filter((part): part is string => part !== undefined);
  return parts.length ? parts.join(', ') : undefined;
}

/** The first remedy, in the engine's order, that gives full lists and reaches the target or the unfiltered level. */
function remedyFor(filter: FilterAudit, audit: FilteredRecallAudit): RemedyPoint | undefined {
  // Back at the unfiltered level is this check's fix even when that level is low: ann-recall judges (and fixes) the index itself.
  return filter.remedies.find((remedy) => remedy.shortQueries === 0 && (remedy.recall >= FIX_TARGET || (audit.unfiltered !== undefined && remedy.high >= audit.unfiltered.low)));
}

function bestText(filter: FilterAudit): string {
  if (filter.remedies.length === 0) return '';
  const best = filter.remedies.reduce((a, b) => (b.recall > a.recall ? b : a));
  return ` (best: ${best.label}, ${pointText(best)}${best.shortQueries ? `, ${best.shortQueries} short` : ''})`;
}

function pointText(point: { readonly recall: number; readonly low: number; readonly high: number }): string {
  return `${percent(point.recall, 1)} (95% interval ${percent(point.low, 1)}–${percent(point.high, 1)})`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function evidenceOf(audit: FilteredRecallAudit): Evidence {
  return {
    filters: audit.filters.map((filter) => ({
      filter: filter.filter,
      matchingRows: filter.matchingRows,
      selectivity: round(filter.selectivity, 4),
      queries: filter.queries,
      queryOrigin: filter.queryOrigin,
      ...(filter.skipped ? { skipped: filter.skipped } : { recallAt10: round(filter.recall, 4), interval95: [round(filter.low, 4), round(filter.high, 4)], shortQueries: filter.shortQueries }),
      usesIndex: filter.usesIndex ?? null,
      remedies: filter.remedies.map((remedy) => ({
        setting: remedy.label,
        recallAt10: round(remedy.recall, 4),
        interval95: [round(remedy.low, 4), round(remedy.high, 4)],
        shortQueries: remedy.shortQueries,
        queries: remedy.queries,
      })),
    })),
    origin: audit.origin,
    discovery: audit.discovery ?? null,
    unfilteredRecall: audit.unfiltered ? { recallAt10: round(audit.unfiltered.recall, 4), interval95: [round(audit.unfiltered.low, 4), round(audit.unfiltered.high, 4)] } : null,
    remedyNote: audit.remedyNote ?? null,
    budgetSeconds: audit.auditBudget ?? null,
    seconds: round(audit.seconds, 3),
    cuts: [...audit.cuts],
  };
}
