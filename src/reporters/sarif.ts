import type { Severity } from '../core/finding.js';
import { outcomeResult, type Report, type ReportInput } from '../core/report.js';

/** SARIF levels: a fail blocks (error), a warn annotates (warning), info is a note. */
const LEVELS: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { fail: 'error', warn: 'warning', info: 'note' };
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * SARIF 2.1.0 for code scanning (GitHub, Azure DevOps): every check run is a rule, every finding
 * a result located at the checked file or store. Validated against the OASIS schema in tests.
 */
export function formatSarif(report: Report): string {
  const rules = report.checks.map((check) => ({
    id: check.code,
    name: pascalCase(check.code),
    shortDescription: { text: check.title },
    properties: { tags: ['vector-store', 'retrieval'] },
  }));
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const location = { physicalLocation: { artifactLocation: { uri: artifactUri(report.target) } } };
  const results = report.findings.map((finding) => ({
    ruleId: finding.code,
    ...(ruleIndex.has(finding.code) ? { ruleIndex: ruleIndex.get(finding.code) } : {}),
    level: LEVELS[finding.severity],
    message: { text: `${finding.title}: ${finding.message} Fix: ${finding.fix}` },
    locations: [location],
    properties: { severity: finding.severity, labels: finding.labels, fix: finding.fix, evidence: finding.evidence },
    // SARIF's own field for accepted results: code scanning shows them as dismissed, with the reason.
    ...(finding.accepted
      ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${finding.accepted.by === 'baseline' ? 'baseline' : 'suppressed'}: ${finding.accepted.reason} (${finding.accepted.source})` }] }
      : {}),
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'vectorclinic', version: report.tool.version, semanticVersion: report.tool.version, rules } },
        invocations: [
          {
            ...(report.invocation ? { commandLine: report.invocation.command, ...(report.invocation.argv ? { arguments: [...report.invocation.argv] } : {}) } : {}),
            executionSuccessful: !report.checks.some((check) => check.status === 'error'),
            endTimeUtc: report.generatedAt,
            toolExecutionNotifications: executionNotifications(report, ruleIndex),
          },
        ],
        ...(report.invocation?.inputs.length ? { artifacts: report.invocation.inputs.map(sarifArtifact) } : {}),
        results,
        properties: { verdict: report.verdict, labels: report.labels, target: report.target, kind: report.kind },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * Checks that crashed (error), could not run, or ran only in part (note): a check that did not run
 * is reported here, tied to its rule, never as a passing or failing result.
 */
function executionNotifications(report: Report, ruleIndex: ReadonlyMap<string, number>): object[] {
  return report.checks.flatMap((check) => {
    const associatedRule = { id: check.code, index: ruleIndex.get(check.code) ?? -1 };
    const result = outcomeResult(check);
    if (result === 'error') return [{ level: 'error', message: { text: `${check.code}: ${check.detail ?? 'the check crashed'}` }, associatedRule }];
    if (result === 'not-run') {
      return [{ level: 'note', message: { text: `${check.code} not run: ${check.detail ?? 'its inputs were missing'}` }, associatedRule, properties: { result: 'not-run' } }];
    }
    return (check.notChecked ?? []).map((reason) => ({ level: 'note', message: { text: `${check.code} ran in part; not checked: ${reason}` }, associatedRule, properties: { result: 'partly-run' } }));
  });
}

/** An input of the run with its size, modification time and SHA-256 (when the report has them). */
function sarifArtifact(input: ReportInput): object {
  return {
    location: { uri: artifactUri(input.path) },
    roles: [input.role === 'target' ? 'analysisTarget' : 'referencedOnCommandLine'],
    ...(input.bytes !== undefined ? { length: input.bytes } : {}),
    ...(input.modifiedAt ? { lastModifiedTimeUtc: input.modifiedAt } : {}),
    ...(input.sha256 ? { hashes: { 'sha-256': input.sha256 } } : {}),
    properties: { role: input.role, kind: input.kind },
  };
}

/** A URI reference for a file path or store URL (spaces and the like percent-encoded). */
function artifactUri(target: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      return encodeURI(decodeURI(target));
    } catch {
      return encodeURI(target);
    }
  }
  return target.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function pascalCase(code: string): string {
  return code.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
}
