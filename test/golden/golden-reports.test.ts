import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GOLDEN_DIR, goldenReports } from './cases.js';

/** The first line where two texts differ, with its neighbours: enough to see what changed in a 3,000-line report. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  const line = want.findIndex((text, index) => text !== got[index]);
  const at = line === -1 ? want.length : line;
  const around = (lines: string[]): string => lines.slice(Math.max(0, at - 3), at + 4).join('\n');
  return `first difference at line ${at + 1}\n--- golden\n${around(want)}\n--- now\n${around(got)}`;
}

test('check/smoke/guard JSON on the fixtures is byte-for-byte the golden report (apart from timings, dates, versions, temp paths)', { timeout: 120_000 }, async () => {
  const reports = await goldenReports();
  const committed = readdirSync(GOLDEN_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''));
  assert.deepEqual([...reports.keys()].sort(), committed.sort(), 'the golden files and the cases differ: run npm run golden:update');
  for (const [name, json] of reports) {
    const golden = readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8');
    if (json !== golden) assert.fail(`${name}.json changed (if on purpose: npm run golden:update, then review the diff)\n${firstDifference(golden, json)}`);
  }
});
