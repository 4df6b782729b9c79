#!/usr/bin/env -S npx tsx
// Writes schema/report.schema.json, the published JSON Schema of the JSON report (npm run schema).
// A test fails when the file is stale, so run this after changing src/report/report-schema.ts.
import { writeFileSync } from 'node:fs';
import { reportJsonSchemaText } from '../src/report/report-schema.js';

const path = new URL('../schema/report.schema.json', import.meta.url);
writeFileSync(path, reportJsonSchemaText());
console.log('wrote schema/report.schema.json');
