import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Artifacts, DeletedRowsAudit } from '../gather/artifacts.js';
import type { DeletedRowFacts } from '../sources/source.js';
import type { CheckResult } from './check.js';
import deletedRows from './deleted-rows.js';
import { createContext } from './runner.js';

const FACTS: DeletedRowFacts = { method: 'pg_stat_user_tables', liveRows: 1000, deletedRows: 0, facts: {}, cleanup: 'VACUUM (ANALYZE) public.docs', cleanupAt: { share: 0.2, rule: "Postgres's autovacuum" } };

function run(audit: DeletedRowsAudit): ReturnType<typeof deletedRows.run> {
  return deletedRows.run({ deletedRows: audit } as unknown as Artifacts, createContext());
}

const search = (shortQueries: number, missingIds = 0) => ({ queries: 50, shortQueries, expected: 10, missingIds, missingExamples: missingIds ? ['17'] : [] });

test("no deleted entries, or a few below the engine's clean-up point with whole answers: nothing", () => {
  assert.equal(run({ facts: FACTS }), null);
  assert.equal(run({ facts: { ...FACTS, deletedRows: 100 }, search: search(0) }), null);
});

test('past the clean-up point with whole answers: info; short answers warn; half short fails; deleted ids returned warn', () => {
  assert.equal((run({ facts: { ...FACTS, deletedRows: 500 }, search: search(0) }) as CheckResult).severity, 'info');
  const short = run({ facts: { ...FACTS, deletedRows: 500 }, search: search(3) }) as CheckResult;
  assert.equal(short.severity, 'warn');
  assert.match(short.fix!, /^VACUUM/);
  assert.equal((run({ facts: { ...FACTS, deletedRows: 9000 }, search: search(25) }) as CheckResult).severity, 'fail');
  assert.match((run({ facts: { ...FACTS, deletedRows: 10 }, search: search(0, 1) }) as CheckResult).message, /no longer exist in the store \(17\)/);
});

test('an engine that does not say: not run, with its reason', () => {
  assert.deepEqual(run({ facts: { ...FACTS, deletedRows: null, unavailable: 'statistics collection off' } }), { notRun: 'statistics collection off' });
});
