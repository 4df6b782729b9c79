import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

/** The published JSON Schema of the report, as shipped (schema/report.schema.json). */
export const REPORT_SCHEMA_PATH = new URL('../../schema/report.schema.json', import.meta.url);

// CommonJS default export seen from ESM: the class is on .default.
const ajv = new Ajv2020.default({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')));

/** Check a report (object or JSON text) against the published schema, as a consumer would see it: through JSON. */
export function assertReportSchema(report: unknown, name = 'report'): void {
  const json = typeof report === 'string' ? JSON.parse(report) : JSON.parse(JSON.stringify(report));
  assert.ok(validate(json), `${name} does not match schema/report.schema.json: ${ajv.errorsText(validate.errors)}`);
}

/** The validator as such, for tests that show it rejects what it should. */
export function reportSchemaAccepts(json: unknown): boolean {
  return validate(json) === true;
}
