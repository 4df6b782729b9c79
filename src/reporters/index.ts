import type { Report } from '../core/report.js';
import { formatJson } from './json.js';
import { formatText } from './text.js';

export interface ReporterOptions {
  readonly color: boolean;
}

/** A reporter is a pure function of the report: it reads nothing else. */
export type Reporter = (report: Report, options: ReporterOptions) => string;

export const REPORTERS: Readonly<Record<string, Reporter>> = {
  text: (report, options) => formatText(report, options),
  json: (report) => formatJson(report),
};

export const REPORT_FORMATS = Object.keys(REPORTERS);
