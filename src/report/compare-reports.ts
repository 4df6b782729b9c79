import type { ComparedMeasure, ReportComparison } from '../core/plots.js';
import type { Report } from '../core/report.js';

/**
 * Before/after figures of one store (what `rebuild` attaches to its report): the measures a
 * rebuild is meant to move, read from the two reports' stats and plots.
 */
export function compareReports(before: Report, after: Report, labels: { readonly before: string; readonly after: string } = { before: 'before', after: 'after' }): ReportComparison {
  const measure = (name: string, read: (report: Report) => number | null | undefined, better: ComparedMeasure['better'], unit: ComparedMeasure['unit']): ComparedMeasure => ({
    name,
    before: read(before) ?? null,
    after: read(after) ?? null,
    better,
    unit,
  });
  const share = (numerator: (report: Report) => number) => (report: Report) => (report.stats.rows > 0 ? numerator(report) / report.stats.rows : null);
  return {
    before: { label: labels.before, target: before.target, verdict: before.verdict, problems: problems(before) },
    after: { label: labels.after, target: after.target, verdict: after.verdict, problems: problems(after) },
    measures: [
      measure(
        'unit-length rows',
        share((report) => report.stats.unitRows),
        'higher',
        'share',
      ),
      measure(
        'zero rows',
        share((report) => report.stats.zeroRows),
        'lower',
        'share',
      ),
      measure(
        'duplicate rows',
        share((report) => report.stats.duplicateRows),
        'lower',
        'share',
      ),
      measure('overlap@20', (report) => report.stats.overlapAt20, 'lower', 'share'),
      measure('PC1 share', (report) => report.stats.pc1Ratio, 'lower', 'share'),
      measure('recall@10 (index vs exact)', (report) => currentRecall(report), 'higher', 'share'),
      measure('mean cosine', (report) => report.stats.meanCosine, 'lower', 'value'),
    ],
  };
}

function problems(report: Report): Report['findings'][number]['code'][] {
  return report.findings.filter((finding) => finding.severity !== 'info').map((finding) => finding.code);
}

function currentRecall(report: Report): number | undefined {
  const audit = report.plots?.recallCurves?.find((curve) => curve.source === 'ann-audit');
  return audit?.points.find((point) => point.current)?.recall;
}
