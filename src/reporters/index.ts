import type { Report } from '../core/report.js';
import type { FailOn } from './fail-threshold.js';

export interface ReporterOptions {
  readonly color: boolean;
  /** Severity from which a finding fails the run; JUnit marks those as failures. */
  readonly failOn: FailOn;
}

/** A reporter is a pure function of the report: it reads nothing else. */
export type Reporter = (report: Report, options: ReporterOptions) => string;

/**
 * Reporters load on first use: the HTML one pulls in Observable Plot and a DOM (≈0.5 s of module
 * loading) that a JSON run in CI should not pay for.
 */
export const REPORTERS: Readonly<Record<string, () => Promise<Reporter>>> = {
  text: async () => {
    const { formatText } = await import('./text.js');
    return (report, options) => formatText(report, options);
  },
  json: async () => {
    const { formatJson } = await import('./json.js');
    return (report) => formatJson(report);
  },
  html: async () => {
    const { formatHtml } = await import('./html.js');
    return (report) => formatHtml(report);
  },
  md: async () => {
    const { formatMarkdown } = await import('./markdown.js');
    return (report) => formatMarkdown(report);
  },
  junit: async () => {
    const { formatJunit } = await import('./junit.js');
    return (report, options) => formatJunit(report, options.failOn);
  },
  sarif: async () => {
    const { formatSarif } = await import('./sarif.js');
    return (report) => formatSarif(report);
  },
};

export const REPORT_FORMATS = Object.keys(REPORTERS);

export async function loadReporter(format: string): Promise<Reporter> {
  return (REPORTERS[format] ?? (REPORTERS.text as () => Promise<Reporter>))();
}
