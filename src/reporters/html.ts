import type { Report } from '../core/report.js';
import { escapeHtml } from './html/escape.js';
import { plotFigures } from './html/plots.js';
import { checksSection, findingsSection, invocationSection, plotsSection, policySection, verdictSection } from './html/sections.js';
import { STYLES } from './html/styles.js';

/**
 * One self-contained HTML page: verdict and labels first, then declared vs observed policy,
 * findings with evidence and fix, plots (static SVG from Observable Plot) and the passed checks.
 * No script, no external resource: it opens offline in any browser.
 */
export function formatHtml(report: Report): string {
  const figures = plotFigures(report.plots, report.comparison);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vectorclinic ${escapeHtml(report.verdict.toUpperCase())}: ${escapeHtml(report.target)}</title>
<style>${STYLES}</style>
</head>
<body>
<header class="top">
  <h1>vectorclinic</h1>
  <span class="target">${escapeHtml(report.target)}</span>
  <span class="meta">${escapeHtml(report.generatedAt)} · ${(report.durationMs / 1000).toFixed(1)} s · v${escapeHtml(report.tool.version)}</span>
</header>
<main>
${verdictSection(report)}
${policySection(report)}
${findingsSection(report)}
${plotsSection(figures, report)}
${checksSection(report)}
${invocationSection(report)}
</main>
<footer>Report schema ${report.schema}. Plots are measured on a seeded sample (seed ${report.stats.seed}); the JSON report (<code>--format json</code>) holds every number shown here.</footer>
</body>
</html>
`;
}
