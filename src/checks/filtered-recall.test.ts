import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterAudit, FilteredRecallAudit } from '../gather/artifacts.js';
import type { Artifacts } from '../gather/artifacts.js';
import { createContext } from './runner.js';
import filteredRecall from './filtered-recall.js';
import type { CheckResult } from './check.js';

/** Hand-built audits: the decision rule alone, without a store. */
function audit(filters: Partial<FilterAudit>[], unfiltered = { recall: 0.99, low: 0.98, high: 0.995 }): FilteredRecallAudit {
  return {
    k: 10,
    origin: 'option',
    unfiltered,
    seconds: 1,
    cuts: [],
    filters: filters.map((filter, i) => ({
      filter: `tenant_id = ${i}`,
      column: 'tenant_id',
      matchingRows: 100,
      selectivity: 0.01,
      queries: 50,
      queryOrigin: 'filtered-rows',
      recall: 0.99,
      low: 0.97,
      high: 0.995,
      shortQueries: 0,
      remedies: [],
      ...filter,
    })),
  };
}

function run(filtered: FilteredRecallAudit, kind = 'pgvector'): ReturnType<typeof filteredRecall.run> {
  return filteredRecall.run({ filteredRecall: filtered, source: { kind } } as unknown as Artifacts, createContext());
}

const remedy = { label: 'hnsw.iterative_scan = relaxed_order', settings: { 'hnsw.iterative_scan': 'relaxed_order' }, recall: 0.99, low: 0.98, high: 1, shortQueries: 0, queries: 50 };

test('a filter at the unfiltered level with full lists: nothing', () => {
  assert.equal(run(audit([{}])), null);
});

test("lower recall whose interval still overlaps the unfiltered one is not the filter's doing: nothing", () => {
  assert.equal(run(audit([{ recall: 0.8, low: 0.75, high: 0.85 }], { recall: 0.82, low: 0.78, high: 0.86 })), null);
});

test('one short answer warns, with the remedy as a parameter fix', () => {
  const result = run(audit([{ shortQueries: 1, remedies: [remedy] }])) as CheckResult;
  assert.equal(result.severity, 'warn');
  assert.match(result.fix!, /A parameter fix: hnsw\.iterative_scan = relaxed_order/);
});

test("recall below half fails; no remedy restoring it means a schema fix in the engine's terms", () => {
  const result = run(audit([{ recall: 0.3, low: 0.25, high: 0.35, shortQueries: 10, remedies: [{ ...remedy, recall: 0.6, low: 0.55, high: 0.65, shortQueries: 3 }] }]), 'lancedb') as CheckResult;
  assert.equal(result.severity, 'fail');
  assert.match(result.fix!, /A schema fix/);
  assert.match(result.fix!, /table of their own/);
});

test('no filter measured, or none to discover: not run, with why', () => {
  assert.deepEqual(run({ ...audit([]), notRun: 'no low-cardinality column' }), { notRun: 'no low-cardinality column' });
  const skipped = run(audit([{ skipped: 'no row with a vector matches this filter' }])) as { notRun: string };
  assert.match(skipped.notRun, /no row with a vector matches/);
});
