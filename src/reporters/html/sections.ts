import { count, figure, percent } from '../../core/format.js';
import type { EvidenceValue, Finding, Severity } from '../../core/finding.js';
import type { CheckOutcome, Report } from '../../core/report.js';
import { LABEL_MEANINGS } from '../label-meanings.js';
import { escapeHtml, withCode } from './escape.js';
import type { PlotFigure } from './plots.js';

const SEVERITY_ORDER: readonly Severity[] = ['fail', 'warn', 'info'];
/** Evidence arrays longer than this are cut in the page (the JSON report keeps them whole). */
const EVIDENCE_ITEMS_SHOWN = 12;

export function verdictSection(report: Report): string {
  const counts = SEVERITY_ORDER.map((severity) => [severity, report.findings.filter((f) => f.severity === severity && !f.accepted).length] as const);
  const accepted = report.findings.filter((f) => f.accepted).length;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  const headline =
    report.verdict === 'pass'
      ? 'This store can retrieve: no check failed.'
      : report.verdict === 'warn'
        ? 'This store retrieves, with problems worth fixing.'
        : 'This store cannot be trusted to retrieve.';
  const labels = report.labels.length
    ? report.labels.map((label) => `<li class="label"><strong>${label}</strong> ${escapeHtml(LABEL_MEANINGS[label])}</li>`).join('')
    : '<li class="label none">No failure family applies.</li>';
  return `<section class="verdict verdict-${report.verdict}" id="verdict">
  <div class="gauge" role="img" aria-label="verdict ${report.verdict}"><span>${report.verdict.toUpperCase()}</span></div>
  <div class="headline">
    <h2>${escapeHtml(headline)}</h2>
    <p class="counts">${counts.map(([severity, n]) => `<span class="count count-${severity}">${n} ${severity}</span>`).join('')}<span class="count count-pass">${passed} passed</span>${accepted ? `<span class="count count-accepted">${accepted} accepted (not counted)</span>` : ''}</p>
    <ul class="labels">${labels}</ul>
  </div>
</section>`;
}

export function policySection(report: Report): string {
  const { declared, observed } = report.policy;
  const rows: [string, string, string][] = [
    ['metric', declared.metric ?? 'not declared', observed.indexMetric ? `index computes ${observed.indexMetric}` : 'no index'],
    ['dimension', declared.dim !== undefined ? String(declared.dim) : 'not declared', String(observed.dim)],
    ['normalization', declared.normalized === undefined ? 'not declared' : declared.normalized ? 'normalized' : 'raw', `vectors ${observed.normState}${observed.indexNormalizes ? ' (index normalizes)' : ''}`],
    ['model', declared.model ?? 'not declared', '—'],
    ['safe metrics', '—', observed.safeMetrics.join(', ')],
  ];
  const stats = report.stats;
  const facts: [string, string][] = [
    ['store', `${report.kind}, ${count(stats.rows)}${stats.rowsExact ? '' : ' (estimated)'} × ${stats.dim} ${stats.storage}`],
    ['scanned', `${count(stats.scanned)} rows (${stats.scanScope === 'full' ? 'every row' : 'a sample'}); ${count(stats.sampled)} sampled for search; seed ${stats.seed}`],
    ['norms', `min ${figure(stats.norms.min ?? NaN)} · median ${figure(stats.norms.p50 ?? NaN)} · max ${figure(stats.norms.max ?? NaN)}`],
    ['overlap@20', stats.overlapAt20 === null ? 'n/a' : `${figure(stats.overlapAt20, 3)} (PC1 ${stats.pc1Ratio === null ? 'n/a' : percent(stats.pc1Ratio, 1)}, mean cosine ${figure(stats.meanCosine ?? NaN, 3)})`],
  ];
  return `<section class="policy" id="policy">
  <h2>Policy: declared vs observed</h2>
  <table class="grid"><thead><tr><th></th><th>declared${declared.from ? ` <small>(${escapeHtml(declared.from)})</small>` : ''}</th><th>observed</th></tr></thead>
  <tbody>${rows.map(([name, said, seen]) => `<tr><th>${name}</th><td>${escapeHtml(said)}</td><td>${escapeHtml(seen)}</td></tr>`).join('')}</tbody></table>
  <table class="facts"><tbody>${facts.map(([name, value]) => `<tr><th>${name}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</tbody></table>
</section>`;
}

export function findingsSection(report: Report): string {
  if (report.findings.length === 0) return '<section class="findings" id="findings"><h2>Findings</h2><p class="quiet">None: every applicable check passed.</p></section>';
  // Counted findings first, then the accepted ones (suppressed or in the baseline), marked.
  const groups = [false, true].flatMap((accepted) => SEVERITY_ORDER.map((severity) => report.findings.filter((f) => f.severity === severity && Boolean(f.accepted) === accepted))).filter((group) => group.length > 0);
  return `<section class="findings" id="findings">
  <h2>Findings</h2>
  ${groups.map((group) => group.map(findingCard).join('\n')).join('\n')}
</section>`;
}

function findingCard(finding: Finding): string {
  const evidence = Object.entries(finding.evidence)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(evidenceText(value))}</td></tr>`)
    .join('');
  const accepted = finding.accepted
    ? `\n  <p class="accepted"><strong>${finding.accepted.by === 'baseline' ? 'Baseline' : 'Suppressed'}</strong> ${escapeHtml(finding.accepted.reason)} (${escapeHtml(finding.accepted.source)}); not counted in the verdict.</p>`
    : '';
  return `<details class="finding finding-${finding.severity}${finding.accepted ? ' finding-accepted' : ''}" id="finding-${finding.code}"${finding.severity === 'info' || finding.accepted ? '' : ' open'}>
  <summary><span class="badge badge-${finding.severity}">${finding.severity}</span>${finding.accepted ? ` <span class="badge badge-accepted">${finding.accepted.by === 'baseline' ? 'baseline' : 'suppressed'}</span>` : ''} <span class="title">${escapeHtml(finding.title)}</span> <code class="code">${finding.code}</code> ${finding.labels.map((label) => `<span class="chip">${label}</span>`).join('')}</summary>
  <p class="message">${withCode(finding.message)}</p>${accepted}
  <div class="fix"><strong>Fix</strong> ${withCode(finding.fix)}</div>
  <details class="evidence"><summary>Evidence</summary><table><tbody>${evidence}</tbody></table></details>
</details>`;
}

function evidenceText(value: EvidenceValue): string {
  if (typeof value === 'number') return figure(value);
  if (Array.isArray(value) && value.length > EVIDENCE_ITEMS_SHOWN) {
    return `${JSON.stringify(value.slice(0, EVIDENCE_ITEMS_SHOWN))} … and ${value.length - EVIDENCE_ITEMS_SHOWN} more`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function plotsSection(figures: readonly PlotFigure[]): string {
  if (figures.length === 0) return '';
  return `<section class="plots" id="plots">
  <h2>What the vectors look like</h2>
  <div class="plot-grid">
${figures
  .map(
    (plot) => `  <figure class="plot" id="plot-${plot.id}" data-plot="${plot.id}">
    <figcaption><strong>${escapeHtml(plot.title)}</strong></figcaption>
    <div class="plot-body">${plot.svg}</div>
    <p class="plot-caption">${escapeHtml(plot.caption)}</p>
  </figure>`,
  )
  .join('\n')}
  </div>
</section>`;
}

export function checksSection(report: Report): string {
  const passed = report.checks.filter((c) => c.status === 'pass');
  const skipped = report.checks.filter((c) => c.status === 'not-applicable' || c.status === 'error');
  const item = (check: CheckOutcome, mark: string): string =>
    `<li class="check-${check.status}"><span class="mark">${mark}</span> ${escapeHtml(check.title)} <code>${check.code}</code>${check.detail ? ` <small>${escapeHtml(check.detail)}</small>` : ''}</li>`;
  return `<section class="checks" id="checks">
  <h2>Passed checks (${passed.length})</h2>
  <ul class="passed">${passed.map((check) => item(check, '✓')).join('')}</ul>
  ${skipped.length ? `<h3>Not run (${skipped.length})</h3><ul class="skipped">${skipped.map((check) => item(check, check.status === 'error' ? '!' : '–')).join('')}</ul>` : ''}
  ${report.notes.length ? `<h3>Notes</h3><ul class="notes">${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : ''}
</section>`;
}
