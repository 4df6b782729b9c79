import { count, figure, percent } from '../../core/format.js';
import type { Finding, Severity } from '../../core/finding.js';
import { outcomeResult, type CheckOutcome, type Report } from '../../core/report.js';
import { evidenceMeaning, evidenceName, evidenceValue } from '../evidence-display.js';
import { LABEL_MEANINGS } from '../label-meanings.js';
import { escapeHtml, withCode } from './escape.js';
import type { PlotFigure } from './plots.js';

const SEVERITY_ORDER: readonly Severity[] = ['fail', 'warn', 'info'];

export function verdictSection(report: Report): string {
  const counts = SEVERITY_ORDER.map((severity) => [severity, report.findings.filter((f) => f.severity === severity && !f.accepted).length] as const);
  const accepted = report.findings.filter((f) => f.accepted).length;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  const notRun = report.checks.filter((c) => outcomeResult(c) === 'not-run').length;
  // Worded to agree with the labels beside it (No.8: "does not return everything it should") and to claim nothing for checks that did not run.
  const headline =
    report.verdict === 'pass'
      ? `This store can retrieve: no check that ran found a problem${notRun ? ` (${notRun} could not run: see below)` : ''}.`
      : report.verdict === 'warn'
        ? 'This store retrieves, but not everything it should: the warnings below say what to fix.'
        : 'This store cannot be trusted to retrieve: the failures below say what to fix.';
  const labels = report.labels.length
    ? report.labels.map((label) => `<li class="label"><strong>${label}</strong> ${escapeHtml(LABEL_MEANINGS[label])}</li>`).join('')
    : '<li class="label none">No failure family applies.</li>';
  return `<section class="verdict verdict-${report.verdict}" id="verdict">
  <div class="gauge" role="img" aria-label="verdict ${report.verdict}"><span>${report.verdict.toUpperCase()}</span></div>
  <div class="headline">
    <h2>${escapeHtml(headline)}</h2>
    <p class="counts">${counts.map(([severity, n]) => `<span class="count count-${severity}">${n} ${severity}</span>`).join('')}<span class="count count-pass">${passed} passed</span>${notRun ? `<a class="count count-not-run" href="#not-run">${notRun} not run</a>` : ''}${accepted ? `<span class="count count-accepted">${accepted} accepted (not counted)</span>` : ''}</p>
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
  // Readable names and units; the check's description of each field beside it; the JSON key on hover.
  const evidence = Object.entries(finding.evidence)
    .map(
      ([key, value]) =>
        `<tr><th title="${escapeHtml(key)}">${escapeHtml(evidenceName(key))}</th><td>${escapeHtml(evidenceValue(key, value))}</td><td><small>${escapeHtml(evidenceMeaning(finding.code, key))}</small></td></tr>`,
    )
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

export function plotsSection(figures: readonly PlotFigure[], report: Report): string {
  if (figures.length === 0) return '';
  return `<section class="plots" id="plots">
  <h2>What the vectors look like</h2>
  <div class="plot-grid">
${figures
  .map(
    (plot) => `  <figure class="plot" id="plot-${plot.id}" data-plot="${plot.id}">
    <figcaption><strong>${escapeHtml(plot.title)}</strong></figcaption>
    ${plotVerdict(plot, report)}
    <div class="plot-body">${plot.svg}</div>
    <p class="plot-caption">${escapeHtml(plot.caption)}</p>
  </figure>`,
  )
  .join('\n')}
  </div>
</section>`;
}

/**
 * Whether what a plot shows matters, from the check that judges it: a striking number beside a
 * passing check is context, not a problem, and the page says so.
 */
function plotVerdict(plot: PlotFigure, report: Report): string {
  const outcome = plot.judgedBy ? report.checks.find((check) => check.code === plot.judgedBy) : undefined;
  if (!outcome) return '';
  const finding = report.findings.find((candidate) => candidate.code === outcome.code);
  const result = outcomeResult(outcome);
  const text =
    result === 'passed'
      ? `Does it matter? No: ${outcome.code} passed (${outcome.title}) — nothing here crosses its thresholds.`
      : result === 'finding' && finding
        ? `Does it matter? ${finding.severity === 'info' ? 'Not as a problem' : 'Yes'}: ${outcome.code} reports "${finding.title}" (${finding.severity}) — see the finding above.`
        : result === 'not-run'
          ? `Not judged: ${outcome.code} did not run (${outcome.detail ?? 'its inputs were missing'}); the plot is context only.`
          : `Not judged: ${outcome.code} could not complete; the plot is context only.`;
  return `<p class="plot-verdict plot-verdict-${result === 'finding' && finding ? finding.severity : result}">${escapeHtml(text)}</p>`;
}

export function checksSection(report: Report): string {
  const passed = report.checks.filter((c) => outcomeResult(c) === 'passed');
  const notRun = report.checks.filter((c) => outcomeResult(c) === 'not-run');
  const partly = report.checks.flatMap((c) => (c.notChecked ?? []).map((reason) => ({ check: c, reason })));
  const errored = report.checks.filter((c) => outcomeResult(c) === 'error');
  const item = (check: CheckOutcome, mark: string, detail = check.detail): string =>
    `<li class="check-${outcomeResult(check)}"><span class="mark">${mark}</span> ${escapeHtml(check.title)} <code>${check.code}</code>${detail ? ` <small>${escapeHtml(detail)}</small>` : ''}</li>`;
  const gaps = [...notRun.map((check) => item(check, '–')), ...partly.map(({ check, reason }) => item(check, '–', `in part: ${reason}`))];
  return `<section class="checks" id="checks">
  <h2>Passed checks (${passed.length})</h2>
  <ul class="passed">${passed.map((check) => item(check, '✓', undefined)).join('')}</ul>
  ${gaps.length ? `<h3 id="not-run">Not run (${notRun.length}${partly.length ? `, and ${partly.length} in part` : ''}): not checked, so not passed</h3><ul class="skipped">${gaps.join('')}</ul>` : ''}
  ${errored.length ? `<h3>Check errors (${errored.length})</h3><ul class="skipped">${errored.map((check) => item(check, '!')).join('')}</ul>` : ''}
  ${report.notes.length ? `<h3>Notes</h3><ul class="notes">${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : ''}
</section>`;
}

/** What was run: the exact command, every option in effect, each input with size, time and SHA-256. */
export function invocationSection(report: Report): string {
  const invocation = report.invocation;
  if (!invocation) return '';
  const options = Object.entries(invocation.options).map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</td></tr>`);
  const inputs = invocation.inputs.map(
    (input) =>
      `<tr><th>${input.role}</th><td><code>${escapeHtml(input.path)}</code></td><td>${input.bytes !== undefined ? `${count(input.bytes)} bytes${input.files !== undefined ? ` in ${count(input.files)} files` : ''}` : input.kind}</td><td>${escapeHtml(input.modifiedAt ?? '')}</td><td><small>${input.sha256 ? `sha256 ${input.sha256}` : ''}</small></td></tr>`,
  );
  return `<section class="invocation" id="invocation">
  <h2>What was run</h2>
  <pre class="command"><code>${escapeHtml(invocation.command)}</code></pre>
  <table class="facts"><tbody>${inputs.join('')}</tbody></table>
  <details><summary>Options in effect (after defaults and the store manifest)</summary><table class="facts"><tbody>${options.join('')}</tbody></table></details>
  <p class="quiet">vectorclinic ${escapeHtml(invocation.tool.version)} on Node ${escapeHtml(invocation.tool.node)}</p>
</section>`;
}
