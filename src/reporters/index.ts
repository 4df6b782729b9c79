import type { Report } from '../core/report.js';
import type { FailOn } from './fail-threshold.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export interface ReporterOptions {
  readonly color: boolean;
  /** Severity from which a finding fails the run; JUnit marks those as failures. */
  readonly failOn: FailOn;
}

/** A reporter is a pure function of the report: it reads nothing else. */
export type Reporter = (report: Report, options: ReporterOptions) => string;

export const REPORTERS: Readonly<Record<string, Reporter>> = {
  text: (report, options) => formatText(report, options),
  json: (report) => formatJson(report),
  html: (report) => formatHtml(report),
  md: (report) => formatMarkdown(report),
  junit: (report, options) => formatJunit(report, options.failOn),
  sarif: (report) => formatSarif(report),
};

export const REPORT_FORMATS = Object.keys(REPORTERS);
