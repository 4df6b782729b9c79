import type { CheckContext } from '../computed/check-context.js';
import { round } from '../core/format.js';
import type { FilteredRecallPlot, IvfListSizesPlot, NormHistogramGroup, NormHistogramPlot, RecallCurve, ReportPlots, UnreachableRowsPlot } from '../core/plots.js';
import { UNREACHABLE_TOLERANCE } from '../checks/unreachable-rows.js';
import { wilsonInterval } from '../math/bounds.js';
import { collapse, kOccurrence, overlapMatrix } from '../computed/collapse.js';
import { hubness } from '../computed/hubness.js';
import { pcaScree } from '../computed/geometry.js';
import { normRegimes } from '../computed/norm-regimes.js';
import { validSample } from '../computed/valid-sample.js';
import type { Artifacts } from '../gather/artifacts.js';

/** An IVF rank plot of more lists than this is thinned evenly: a 1M-list index would bloat the report. */
const MAX_LIST_SIZES = 2048;
/** Per-group histograms of more shards than this are unreadable; the largest ones are kept. */
const MAX_NORM_GROUPS = 8;

/** The data every plot draws, from the artifacts and the checks' memoized measurements. */
export function reportPlots(artifacts: Artifacts, context: CheckContext): ReportPlots {
  const normHistogram = normHistogramPlot(artifacts, context);
  const scree = pcaScree(artifacts, context);
  const overlap = overlapMatrix(artifacts, context);
  const measured = collapse(artifacts, context);
  const occurrence = kOccurrence(artifacts, context);
  const hubs = hubness(artifacts, context);
  const ivf = ivfListSizes(artifacts);
  const recallCurves = annAuditCurves(artifacts);
  const filteredRecall = filteredRecallPlot(artifacts);
  const unreachableRows = unreachableRowsPlot(artifacts);
  return {
    ...(normHistogram ? { normHistogram } : {}),
    ...(scree ? { pcaScree: { rows: scree.rows, shares: scree.shares.map((share) => round(share, 5)) } } : {}),
    ...(overlap && measured
      ? {
          neighborOverlap: {
            metric: measured.metric,
            k: measured.k,
            origin: measured.origin,
            queryRows: overlap.queryRows,
            matrix: overlap.matrix.map((row) => row.map((value) => round(value, 4))),
            mean: round(measured.overlap, 4),
          },
        }
      : {}),
    ...(occurrence
      ? {
          kOccurrence: {
            ...occurrence,
            expected: round(occurrence.expected, 4),
            skewness: round(occurrence.skewness, 4),
            skewnessIfUniform: round(occurrence.skewnessIfUniform, 4),
            ...(hubs ? { meaning: hubs.meaning } : {}),
          },
        }
      : {}),
    ...(ivf ? { ivfListSizes: ivf } : {}),
    ...(recallCurves.length ? { recallCurves } : {}),
    ...(filteredRecall ? { filteredRecall } : {}),
    ...(unreachableRows ? { unreachableRows } : {}),
  };
}

/** The self-search of unreachable-rows: the share missed at the audited setting and as the setting grows. */
function unreachableRowsPlot(artifacts: Artifacts): UnreachableRowsPlot | undefined {
  const reach = artifacts.reachability;
  const rows = reach ? reach.rowsProbed - reach.ties - reach.notOwnAnswer : 0;
  if (!reach || rows <= 0) return undefined;
  const point = (value: number, unreachable: number, current: boolean): UnreachableRowsPlot['points'][number] => {
    const { low, high } = wilsonInterval(unreachable, rows);
    return { value, share: round(unreachable / rows, 4), low: round(low, 4), high: round(high, 4), current };
  };
  return {
    k: reach.k,
    rows,
    ...(reach.tuning ? { parameter: reach.tuning.name } : {}),
    tolerance: UNREACHABLE_TOLERANCE,
    points: [point(reach.tuning?.current ?? 0, reach.unreachable, true), ...reach.sweep.map((entry) => point(entry.value, entry.unreachable, false))],
  };
}

function normHistogramPlot(artifacts: Artifacts, context: CheckContext): NormHistogramPlot | undefined {
  const { rowStats } = artifacts;
  const { edges, counts } = rowStats.norms.histogram;
  if (counts.length === 0) return undefined;
  const grouped = normGroups(artifacts, context, edges);
  return {
    edges: edges.map((edge) => round(edge)),
    counts: [...counts],
    scope: rowStats.scope,
    unitTolerance: rowStats.norms.unitTolerance,
    ...(grouped ? { groups: grouped.groups, groupedBy: grouped.by } : {}),
  };
}

/**
 * Sampled rows binned per shard when the source has several, or per norm regime when one store
 * mixes unit-length and raw rows: two populations are what a reader needs to see there.
 */
function normGroups(artifacts: Artifacts, context: CheckContext, edges: readonly number[]): { groups: NormHistogramGroup[]; by: 'segment' | 'regime' } | undefined {
  const segments = artifacts.source.segments ?? [];
  const mixed = normRegimes(artifacts.rowStats).state === 'mixed';
  if (segments.length < 2 && !mixed) return undefined;
  const sample = validSample(artifacts, context);
  const bins = edges.length - 1;
  const low = edges[0] as number;
  const high = edges[bins] as number;
  const binOf = (norm: number): number => (high > low ? Math.min(bins - 1, Math.max(0, Math.floor(((norm - low) / (high - low)) * bins))) : 0);
  if (segments.length >= 2) {
    const largest = [...segments]
      .sort((a, b) => b.rows - a.rows)
      .slice(0, MAX_NORM_GROUPS)
      .sort((a, b) => a.start - b.start);
    const groups = largest.map((segment) => ({ name: segment.name, counts: new Array<number>(bins).fill(0) }));
    sample.rows.forEach((row, i) => {
      const index = largest.findIndex((segment) => row >= segment.start && row < segment.start + segment.rows);
      if (index >= 0) (groups[index] as NormHistogramGroup & { counts: number[] }).counts[binOf(sample.norms[i] as number)]! += 1;
    });
    return { groups, by: 'segment' };
  }
  const tolerance = artifacts.rowStats.norms.unitTolerance;
  const unit = new Array<number>(bins).fill(0);
  const raw = new Array<number>(bins).fill(0);
  for (const norm of sample.norms) (Math.abs(norm - 1) <= tolerance ? unit : raw)[binOf(norm)]! += 1;
  return {
    groups: [
      { name: 'unit-length rows', counts: unit },
      { name: 'raw rows', counts: raw },
    ],
    by: 'regime',
  };
}

function ivfListSizes(artifacts: Artifacts): IvfListSizesPlot | undefined {
  const ivf = artifacts.index?.ivf;
  if (!ivf || ivf.nlist === 0) return undefined;
  const sizes = Array.from(ivf.listSizes).sort((a, b) => b - a);
  const vectors = sizes.reduce((sum, size) => sum + size, 0);
  const squares = sizes.reduce((sum, size) => sum + size * size, 0);
  const thinned = sizes.length > MAX_LIST_SIZES;
  const kept = thinned ? Array.from({ length: MAX_LIST_SIZES }, (_, i) => sizes[Math.round((i * (sizes.length - 1)) / (MAX_LIST_SIZES - 1))] as number) : sizes;
  return {
    nlist: ivf.nlist,
    vectors,
    emptyLists: sizes.filter((size) => size === 0).length,
    imbalance: vectors > 0 ? round((sizes.length * squares) / (vectors * vectors), 4) : 0,
    sizesDescending: kept,
    thinned,
  };
}

/** Recall of the index against exact search at its current setting and the larger ones tried. */
function annAuditCurves(artifacts: Artifacts): RecallCurve[] {
  const audit = artifacts.annAudit;
  if (!audit) return [];
  const current = audit.tuning?.current ?? 0;
  const points = [
    { x: current, recall: round(audit.recall, 4), low: round(audit.recallLow, 4), high: round(audit.recallHigh, 4), current: true },
    ...audit.sweep.filter((point) => point.value !== current).map((point) => ({ x: point.value, recall: round(point.recall, 4), low: round(point.low, 4), high: round(point.high, 4) })),
  ].sort((a, b) => a.x - b.x);
  return [{ source: 'ann-audit', label: `index vs exact search (${audit.exactMethod})`, k: audit.k, x: audit.tuning?.name ?? 'search setting', points }];
}

/** Each measured filter's recall with its interval, the remedy that restored it (or the best tried), and the unfiltered level. */
function filteredRecallPlot(artifacts: Artifacts): FilteredRecallPlot | undefined {
  const audit = artifacts.filteredRecall;
  const measured = audit?.filters.filter((filter) => !filter.skipped) ?? [];
  if (!audit || measured.length === 0) return undefined;
  const point = (value: { recall: number; low: number; high: number }): { recall: number; low: number; high: number } => ({ recall: round(value.recall, 4), low: round(value.low, 4), high: round(value.high, 4) });
  return {
    k: audit.k,
    ...(audit.unfiltered ? { unfiltered: point(audit.unfiltered) } : {}),
    filters: measured.map((filter) => {
      const restored = filter.remedies.find((remedy) => remedy.shortQueries === 0 && remedy.recall >= filter.recall && remedy.recall >= 0.9);
      const remedy = restored ?? [...filter.remedies].sort((a, b) => b.recall - a.recall)[0];
      return {
        filter: filter.filter,
        selectivity: round(filter.selectivity, 4),
        shortQueries: filter.shortQueries,
        queries: filter.queries,
        ...point(filter),
        ...(remedy ? { remedy: { label: remedy.label, ...point(remedy) } } : {}),
      };
    }),
  };
}
