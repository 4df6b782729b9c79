import type { Report } from '../core/report.js';

/** The report as JSON: the stable, machine-readable contract (schema 1). */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
