// Regenerates the golden JSON reports (test/golden/reports/) on purpose, after a change that should
// alter them: review the diff before committing. The test test/golden/golden-reports.test.ts compares.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, goldenReports } from '../test/golden/cases.js';

const reports = await goldenReports();
mkdirSync(GOLDEN_DIR, { recursive: true });
for (const name of readdirSync(GOLDEN_DIR)) if (name.endsWith('.json')) rmSync(join(GOLDEN_DIR, name));
for (const [name, json] of reports) writeFileSync(join(GOLDEN_DIR, `${name}.json`), json);
console.log(`wrote ${reports.size} golden reports to test/golden/reports/`);
