import { figure as formatFigure, percent } from '../../core/format.js';
import type { FindingCode } from '../../core/finding.js';
import type { ComparedMeasure, ReportComparison, ReportPlots } from '../../core/plots.js';
import { Plot, renderPlot } from './svg-document.js';

/** One plot on the page: an id the tests and anchors use, a title, the SVG and how to read it. */
export interface PlotFigure {
  readonly id: string;
  readonly title: string;
  readonly svg: string;
  readonly caption: string;
  /** The check whose verdict says whether what the plot shows matters (its outcome is printed beside the plot). */
  readonly judgedBy?: FindingCode;
}

const WIDTH = 560;
const HEIGHT = 260;
const COLORS = { pass: '#0a8f4f', warn: '#d97a00', fail: '#d93025', ink: '#3c4043', accent: '#1a73e8', before: '#9aa0a6' };
/** Recall under these lines earns a warning / a failure in ann-recall: drawn so readers see the margin. */
const RECALL_WARN_LINE = 0.9;
const RECALL_FAIL_LINE = 0.5;
/** A store whose norms are all equal is drawn as one bar in a ±0.1 window (norm spread that small is invisible anyway). */
const SINGLE_WINDOW = 0.1;
const SINGLE_BAR_HALF_WIDTH = 0.002;
/** Overlap colour steps: 0.2 and 0.35 are neighbor-collapse's warn and fail bars. */
const OVERLAP_STEPS = [0.05, 0.2, 0.35, 0.6];
const OVERLAP_COLORS = ['#ffffff', '#fde0dc', '#f9a19a', '#e8453c', '#a50e0e'];

export function plotFigures(plots: ReportPlots | undefined, comparison: ReportComparison | undefined): PlotFigure[] {
  const figures: (PlotFigure | undefined)[] = [
    plots?.normHistogram && normHistogram(plots.normHistogram),
    plots?.pcaScree && pcaScree(plots.pcaScree),
    plots?.neighborOverlap && neighborOverlap(plots.neighborOverlap),
    plots?.kOccurrence && kOccurrence(plots.kOccurrence),
    plots?.ivfListSizes && ivfListSizes(plots.ivfListSizes),
    plots?.recallCurves?.length ? recallCurves(plots.recallCurves) : undefined,
    plots?.filteredRecall && filteredRecall(plots.filteredRecall),
    plots?.unreachableRows && unreachableRows(plots.unreachableRows),
    comparison && beforeAfter(comparison),
  ];
  return figures.filter((figure): figure is PlotFigure => figure !== undefined);
}

function normHistogram(plot: NonNullable<ReportPlots['normHistogram']>): PlotFigure {
  const bins = plot.counts.map((count, i) => ({ x1: plot.edges[i] as number, x2: plot.edges[i + 1] as number, count }));
  const grouped = plot.groups?.flatMap((group) => group.counts.map((count, i) => ({ x1: plot.edges[i] as number, x2: plot.edges[i + 1] as number, count, group: group.name })));
  const low = plot.edges[0] as number;
  const high = plot.edges[plot.edges.length - 1] as number;
  // Every norm equal (a normalized store): zero-width bins would fill the frame, so draw one thin bar in a window around it.
  const single = high - low < 1e-9;
  if (single) bins.splice(0, bins.length, { x1: low - SINGLE_BAR_HALF_WIDTH, x2: low + SINGLE_BAR_HALF_WIDTH, count: plot.counts.reduce((sum, n) => sum + n, 0) });
  const showsUnit = low <= 1 + plot.unitTolerance && high >= 1 - plot.unitTolerance;
  const marks = grouped
    ? [Plot.rectY(grouped, { x1: 'x1', x2: 'x2', y: 'count', fill: 'group', insetLeft: 0.5, insetRight: 0.5 })]
    : [Plot.rectY(bins, { x1: 'x1', x2: 'x2', y: 'count', fill: COLORS.accent, insetLeft: 0.5, insetRight: 0.5 })];
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 56,
    x: { label: 'L2 norm of the row →', ...(single ? { domain: [low - SINGLE_WINDOW, low + SINGLE_WINDOW] } : {}) },
    // Grouped histograms put a unit-length spike beside a spread-out raw hump: a square-root axis keeps both visible.
    y: grouped ? { type: 'sqrt', label: '↑ sampled rows (√ scale)', grid: true } : { label: `↑ rows${plot.scope === 'sample' ? ' (sample)' : ''}`, grid: true },
    color: grouped ? { legend: true, range: [COLORS.accent, COLORS.warn, COLORS.pass, COLORS.fail, '#9334e6', '#12b5cb', '#e52592', '#5f6368'] } : undefined,
    marks: [...marks, ...(showsUnit ? [Plot.ruleX([1], { stroke: COLORS.ink, strokeDasharray: '4,3' })] : []), Plot.ruleY([0])],
  });
  const by = plot.groupedBy === 'segment' ? 'per shard / segment' : plot.groupedBy === 'regime' ? 'split into unit-length and raw rows' : '';
  return {
    id: 'norm-histogram',
    judgedBy: 'mixed-norm-shards',
    title: `Row norms${by ? ` (${by})` : ''}`,
    svg,
    caption:
      'A normalized store is one spike at 1 (dashed line); a raw one is a smooth hump. Two populations mean two writers or a ' +
      'skipped normalization step. Zero and non-finite rows have no usable norm: they are counted in their own findings, not here.',
  };
}

function pcaScree(plot: NonNullable<ReportPlots['pcaScree']>): PlotFigure {
  const data = plot.shares.map((share, i) => ({ component: `PC${i + 1}`, share }));
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginTop: 28,
    marginLeft: 56,
    x: { label: null, domain: data.map((d) => d.component) },
    y: { label: '↑ share of variance', tickFormat: (value: number) => percent(value, 0), grid: true },
    marks: [
      Plot.barY(data, { x: 'component', y: 'share', fill: COLORS.accent }),
      Plot.text(data, { x: 'component', y: 'share', text: (d: { share: number }) => percent(d.share, 1), dy: -7, fill: COLORS.ink }),
      Plot.ruleY([0]),
    ],
  });
  return {
    id: 'pca-scree',
    judgedBy: 'neighbor-collapse',
    title: `PCA scree (PC1 ${percent(plot.shares[0] ?? NaN, 1)})`,
    svg,
    caption: `Variance of the unit-normalized, centered vectors (${plot.rows.toLocaleString('en-US')} rows) on each principal component. A tall first bar means the vectors crowd into one direction (anisotropy): neighbours then depend on that direction more than on meaning.`,
  };
}

function neighborOverlap(plot: NonNullable<ReportPlots['neighborOverlap']>): PlotFigure {
  const cells = plot.matrix.flatMap((row, a) => row.map((value, b) => ({ a, b, value })));
  const size = Math.min(WIDTH, 420);
  const svg = renderPlot({
    width: size + 80,
    height: size,
    marginLeft: 40,
    marginBottom: 36,
    x: { label: 'probe query →', axis: 'bottom', ticks: [] },
    y: { label: '↑ probe query', ticks: [] },
    // Threshold colours (not a continuous ramp: Plot draws ramps on a canvas, which a static SVG cannot hold).
    color: { type: 'threshold', domain: OVERLAP_STEPS, range: OVERLAP_COLORS, legend: true, label: `shared top-${plot.k} neighbours`, tickFormat: (value: number) => percent(value, 0) },
    marks: [Plot.cell(cells, { x: 'a', y: 'b', fill: 'value', inset: 0 }), Plot.frame({ stroke: '#dadce0' })],
  });
  return {
    id: 'neighbor-overlap',
    judgedBy: 'neighbor-collapse',
    title: `Neighbour overlap of ${plot.matrix.length} random queries (mean ${formatFigure(plot.mean, 3)})`,
    svg,
    caption: `Each cell: the share of top-${plot.k} neighbours (${plot.metric}) two probe queries (${plot.origin === 'queries' ? 'from --queries' : 'held-out rows'}) have in common. Healthy is white off the diagonal; red blocks or rows mean the same rows come back whatever the query.`,
  };
}

function kOccurrence(plot: NonNullable<ReportPlots['kOccurrence']>): PlotFigure {
  const data = plot.distribution.filter((d) => d.rows > 0);
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 56,
    x: { label: `lists a row appears in (of ${plot.queries}) →` },
    y: { type: 'log', label: '↑ base rows (log)', grid: true, ticks: decades(Math.max(1, ...data.map((d) => d.rows))), tickFormat: ',' },
    marks: [
      Plot.ruleX(data, { x: 'occurrences', y1: 0.8, y2: 'rows', stroke: COLORS.accent, strokeWidth: 2 }),
      Plot.dot(data, { x: 'occurrences', y: 'rows', fill: COLORS.accent, r: 3 }),
      Plot.ruleX([plot.expected], { stroke: COLORS.ink, strokeDasharray: '4,3' }),
    ],
  });
  const hub = plot.hubs[0];
  return {
    id: 'k-occurrence',
    judgedBy: 'neighbor-collapse',
    title: `k-occurrence (hubness): skewness ${formatFigure(plot.skewness, 3)} (${formatFigure(plot.skewnessIfUniform, 3)} without hubs)`,
    svg,
    caption:
      `How many of the ${plot.queries} probe top-${plot.k} lists each of ${plot.baseRows.toLocaleString('en-US')} base rows appears in; the dashed line is the mean (${formatFigure(plot.expected, 3)}). ` +
      `A long right tail is hubs: rows that answer unrelated queries${hub ? ` (row ${hub.row} is in ${hub.occurrences} lists)` : ''}.` +
      (plot.meaning ? ` What it means (neighbor-collapse): ${plot.meaning}` : ''),
  };
}

function ivfListSizes(plot: NonNullable<ReportPlots['ivfListSizes']>): PlotFigure {
  const data = plot.sizesDescending.map((size, rank) => ({ rank, size }));
  const mean = plot.nlist ? plot.vectors / plot.nlist : 0;
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 56,
    x: { label: `lists, largest first (${plot.nlist.toLocaleString('en-US')}${plot.thinned ? ', thinned' : ''}) →`, ticks: [] },
    y: { label: '↑ vectors in the list', grid: true },
    marks: [
      Plot.rectY(data, { x1: 'rank', x2: (d: { rank: number }) => d.rank + 1, y: 'size', fill: COLORS.accent, insetRight: data.length > 200 ? 0 : 0.5 }),
      Plot.ruleY([mean], { stroke: COLORS.ink, strokeDasharray: '4,3' }),
      Plot.ruleY([0]),
    ],
  });
  return {
    id: 'ivf-list-sizes',
    judgedBy: 'cluster-imbalance',
    title: `IVF list sizes: imbalance ${formatFigure(plot.imbalance, 3)}, ${plot.emptyLists} of ${plot.nlist} lists empty`,
    svg,
    caption: `Vectors per inverted list; the dashed line is the even share (${formatFigure(mean, 3)}). A few huge lists and many empty ones mean the centroids were trained on other data (stale codebook, trained before the data was clean or present): probes then scan the wrong lists.`,
  };
}

function recallCurves(curves: NonNullable<ReportPlots['recallCurves']>): PlotFigure {
  const points = curves.flatMap((curve) => curve.points.map((point) => ({ ...point, curve: curve.label })));
  const values = points.map((point) => point.x).filter((x) => x > 0);
  const logScale = values.length > 1 && Math.max(...values) / Math.min(...values) >= 8;
  const xLabel = [...new Set(curves.map((curve) => curve.x))].join(' / ');
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 56,
    marginTop: 28,
    x: { type: logScale ? 'log' : 'linear', label: `${xLabel} →` },
    y: { domain: [0, 1], label: `↑ recall@${curves[0]?.k ?? 10}`, tickFormat: (value: number) => percent(value, 0), grid: true },
    color: curves.length > 1 ? { legend: true } : undefined,
    marks: [
      Plot.ruleY([RECALL_WARN_LINE], { stroke: COLORS.warn, strokeDasharray: '4,3' }),
      Plot.ruleY([RECALL_FAIL_LINE], { stroke: COLORS.fail, strokeDasharray: '4,3' }),
      Plot.ruleX(
        points.filter((p) => p.low !== undefined),
        { x: 'x', y1: 'low', y2: 'high', stroke: curves.length > 1 ? 'curve' : COLORS.accent },
      ),
      Plot.line(points, { x: 'x', y: 'recall', stroke: curves.length > 1 ? 'curve' : COLORS.accent, strokeWidth: 2, marker: 'dot' }),
      Plot.dot(
        points.filter((p) => p.current),
        { x: 'x', y: 'recall', r: 6, stroke: COLORS.ink, fill: 'none' },
      ),
      Plot.text(points, { x: 'x', y: 'recall', text: (d: { recall: number }) => percent(d.recall, 0), dy: -10, fill: COLORS.ink }),
    ],
  });
  return {
    id: 'recall-curves',
    judgedBy: 'ann-recall',
    title: `Recall@${curves[0]?.k ?? 10} against exact search`,
    svg,
    caption: `${curves.map((curve) => curve.label).join('; ')}. The circled point is the current setting; whiskers are 95% intervals; dashed lines are the warn (${percent(RECALL_WARN_LINE, 0)}) and fail (${percent(RECALL_FAIL_LINE, 0)}) bars. A setting that reaches the warn bar is a parameter fix; a curve that stays below it means rebuild.`,
  };
}

function filteredRecall(plot: NonNullable<ReportPlots['filteredRecall']>): PlotFigure {
  const rows = plot.filters.map((filter) => ({ ...filter, label: `${filter.filter} (${percent(filter.selectivity, 1)})` }));
  const remedies = rows.flatMap((row) => (row.remedy ? [{ ...row.remedy, label: row.label }] : []));
  const unfiltered = plot.unfiltered;
  const svg = renderPlot({
    width: WIDTH,
    height: Math.max(140, 34 * rows.length + 70),
    marginLeft: 200,
    x: { domain: [0, 1], label: `recall@${plot.k} →`, tickFormat: (value: number) => percent(value, 0), grid: true },
    y: { label: null, domain: rows.map((row) => row.label) },
    marks: [
      ...(unfiltered ? [Plot.rectX([unfiltered], { x1: 'low', x2: 'high', fill: COLORS.pass, fillOpacity: 0.12 }), Plot.ruleX([unfiltered.recall], { stroke: COLORS.pass, strokeWidth: 2 })] : []),
      Plot.ruleX([RECALL_WARN_LINE], { stroke: COLORS.warn, strokeDasharray: '4,3' }),
      Plot.ruleY(remedies, { y: 'label', x1: 'low', x2: 'high', stroke: COLORS.before, dy: 8 }),
      Plot.dot(remedies, { x: 'recall', y: 'label', r: 4, stroke: COLORS.before, fill: 'white', dy: 8 }),
      Plot.ruleY(rows, { y: 'label', x1: 'low', x2: 'high', stroke: COLORS.accent }),
      Plot.dot(rows, { x: 'recall', y: 'label', r: 5, fill: (row: { shortQueries: number }) => (row.shortQueries > 0 ? COLORS.fail : COLORS.accent) }),
    ],
  });
  return {
    id: 'filtered-recall',
    judgedBy: 'filtered-recall',
    title: `Filtered recall@${plot.k} per filter${unfiltered ? `, against unfiltered ${percent(unfiltered.recall, 1)}` : ''}`,
    svg,
    caption:
      `Each row is a filter (its share of rows in brackets): the filled dot is the store's own filtered search at its settings, red when some queries came back with fewer rows than match; whiskers are 95% intervals. ` +
      `${unfiltered ? "The green line and band are the same store's unfiltered recall and its interval. " : ''}The hollow grey dot below is the remedy that restored the filter, or the best one tried (${rows.flatMap((row) => (row.remedy ? [`${row.filter}: ${row.remedy.label}`] : [])).join('; ') || 'none measured'}). The dashed line is the ${percent(RECALL_WARN_LINE, 0)} bar.`,
  };
}

function unreachableRows(plot: NonNullable<ReportPlots['unreachableRows']>): PlotFigure {
  const points = plot.points;
  const values = points.map((point) => point.value).filter((value) => value > 0);
  const logScale = values.length > 1 && Math.max(...values) / Math.min(...values) >= 8;
  const top = Math.max(plot.tolerance * 2, ...points.map((point) => point.high));
  const svg = renderPlot({
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 56,
    marginTop: 28,
    x: { type: logScale ? 'log' : 'linear', label: `${plot.parameter ?? 'search setting'} →` },
    y: { domain: [0, Math.min(1, top * 1.15)], label: `↑ rows not in their own top-${plot.k}`, tickFormat: (value: number) => percent(value, 0), grid: true },
    marks: [
      Plot.ruleY([plot.tolerance], { stroke: COLORS.warn, strokeDasharray: '4,3' }),
      Plot.ruleX(points, { x: 'value', y1: 'low', y2: 'high', stroke: COLORS.accent }),
      Plot.line(points, { x: 'value', y: 'share', stroke: COLORS.accent, strokeWidth: 2, marker: 'dot' }),
      Plot.dot(
        points.filter((p) => p.current),
        { x: 'value', y: 'share', r: 6, stroke: COLORS.ink, fill: 'none' },
      ),
      Plot.text(points, { x: 'value', y: 'share', text: (d: { share: number }) => percent(d.share, 1), dy: -10, fill: COLORS.ink }),
    ],
  });
  const current = points.find((point) => point.current);
  return {
    id: 'unreachable-rows',
    judgedBy: 'unreachable-rows',
    title: `Rows the graph cannot return (${current ? percent(current.share, 1) : '?'} of ${plot.rows.toLocaleString('en-US')} at the audited setting)`,
    svg,
    caption: `Share of sampled stored rows missing from the top-${plot.k} for their own vector. The circled point is the audited setting; the others are the missed rows searched again at larger settings; whiskers are 95% intervals; the dashed line is the ${percent(plot.tolerance, 0)} tolerance. A curve that falls under it names the setting that fixes it; one that levels off above it means the graph cuts those rows off: rebuild with larger M and efConstruction.`,
  };
}

function beforeAfter(comparison: ReportComparison): PlotFigure {
  const shares = comparison.measures.filter((m): m is ComparedMeasure & { before: number; after: number } => m.unit === 'share' && m.before !== null && m.after !== null);
  const rows = shares.flatMap((m) => [
    { measure: m.name, when: comparison.before.label, value: m.before },
    { measure: m.name, when: comparison.after.label, value: m.after },
  ]);
  const svg = renderPlot({
    width: WIDTH,
    height: Math.max(140, 36 * shares.length + 60),
    marginLeft: 180,
    x: { domain: [0, 1], label: 'value →', tickFormat: (value: number) => percent(value, 0), grid: true },
    y: { label: null, domain: shares.map((m) => m.name) },
    color: { domain: [comparison.before.label, comparison.after.label], range: [COLORS.before, COLORS.accent], legend: true },
    marks: [Plot.link(shares, { y1: 'name', y2: 'name', x1: 'before', x2: 'after', stroke: COLORS.ink, markerEnd: 'arrow' }), Plot.dot(rows, { x: 'value', y: 'measure', fill: 'when', r: 6 })],
  });
  return {
    id: 'before-after',
    title: `${comparison.before.label} → ${comparison.after.label}`,
    svg,
    caption: `Each arrow runs from ${comparison.before.label} (${comparison.before.verdict}) to ${comparison.after.label} (${comparison.after.verdict}). ${shares.map((m) => `${m.name}: ${m.better} is better`).join('; ')}.`,
  };
}

/** 1, 10, 100, … up to the first power of ten at or above `max`: log-axis ticks without minor clutter. */
function decades(max: number): number[] {
  const ticks = [1];
  while ((ticks[ticks.length - 1] as number) < max) ticks.push((ticks[ticks.length - 1] as number) * 10);
  return ticks;
}
