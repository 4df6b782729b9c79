import type { Finding } from '../core/finding.js';
import type { CheckOutcome, Report } from '../core/report.js';
import { failsGate, type FailOn } from './fail-threshold.js';

/**
 * JUnit XML for CI test tabs (Jenkins, GitLab, GitHub test reporters): one testcase per check,
 * findings at or above --fail-on as <failure>, lesser findings as <system-out>, checks that could
 * not run as <skipped> (with what would let them run), checks that crashed as <error>; parts of a
 * check that could not run are named in its <system-out>. Validated against the Jenkins
 * junit-10.xsd in tests.
 */
export function formatJunit(report: Report, failOn: FailOn = 'fail'): string {
  const findings = new Map(report.findings.map((finding) => [finding.code, finding]));
  const cases = report.checks.map((check) => testcase(check, findings.get(check.code), failOn, report.kind));
  const failures = report.checks.filter((check) => {
    const finding = findings.get(check.code);
    return finding !== undefined && !finding.accepted && failsGate(finding.severity, failOn);
  }).length;
  const errors = report.checks.filter((check) => check.status === 'error').length;
  const skipped = report.checks.filter((check) => check.status === 'not-applicable').length;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const suite = attributes({
    name: `vectorclinic check ${report.target}`,
    tests: report.checks.length,
    failures,
    errors,
    skipped,
    time: seconds,
    timestamp: report.generatedAt.replace(/\.\d+Z$/, ''),
  });
  const facts: [string, string][] = [
    ['target', report.target],
    ['verdict', report.verdict],
    ['labels', report.labels.join(' ')],
    ['fail-on', failOn],
    ['tool-version', report.tool.version],
    ...(report.invocation ? invocationFacts(report) : []),
  ];
  const properties = facts.map(([name, value]) => `      <property ${attributes({ name, value })}/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites ${attributes({ name: 'vectorclinic', tests: report.checks.length, failures, errors, time: seconds })}>
  <testsuite ${suite}>
    <properties>
${properties}
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}

/** The command and each input's fingerprint, so a CI run can be reproduced from its test report. */
function invocationFacts(report: Report): [string, string][] {
  const invocation = report.invocation;
  if (!invocation) return [];
  return [
    ['command', invocation.command],
    ...invocation.inputs.map((input): [string, string] => [
      `input.${input.role}`,
      [input.path, input.bytes !== undefined ? `${input.bytes} bytes` : '', input.modifiedAt ?? '', input.sha256 ? `sha256:${input.sha256}` : ''].filter(Boolean).join(' '),
    ]),
  ];
}

function testcase(check: CheckOutcome, finding: Finding | undefined, failOn: FailOn, kind: string): string {
  const head = `    <testcase ${attributes({ classname: `vectorclinic.${kind}`, name: `${check.code}: ${check.title}`, time: '0' })}`;
  if (check.status === 'not-applicable') return `${head}>\n      <skipped ${attributes({ message: `not run: ${check.detail ?? 'its inputs were missing'}` })}/>\n    </testcase>`;
  if (check.status === 'error') return `${head}>\n      <error ${attributes({ type: 'check-error', message: check.detail ?? 'the check crashed' })}/>\n    </testcase>`;
  const notChecked = check.notChecked?.length ? `not checked: ${check.notChecked.join('; ')}\n` : '';
  if (!finding) return notChecked ? `${head}>\n      <system-out>${text(notChecked)}</system-out>\n    </testcase>` : `${head}/>`;
  const body = text(`${finding.message}\nfix: ${finding.fix}\nlabels: ${finding.labels.join(' ')}\nevidence: ${JSON.stringify(finding.evidence)}${notChecked ? `\n${notChecked}` : ''}`);
  if (finding.accepted) {
    const how = finding.accepted.by === 'baseline' ? 'baseline' : 'suppressed';
    return `${head}>\n      <system-out>${text(`${finding.severity} (${how}: ${finding.accepted.reason}; ${finding.accepted.source}; not counted): ${finding.title}\n`)}${body}</system-out>\n    </testcase>`;
  }
  if (failsGate(finding.severity, failOn)) {
    return `${head}>\n      <failure ${attributes({ type: `${finding.severity}:${finding.code}`, message: finding.title })}>${body}</failure>\n    </testcase>`;
  }
  return `${head}>\n      <system-out>${text(`${finding.severity}: ${finding.title}\n`)}${body}</system-out>\n    </testcase>`;
}

export function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${text(String(value)).replace(/"/g, '&quot;').replace(/\n/g, '&#10;')}"`)
    .join(' ');
}

/** XML text: escaped, and without the control characters XML 1.0 cannot hold at all. */
export function text(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
