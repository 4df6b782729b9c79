import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import type { CheckOptionsInput } from '../../src/api/check-options.js';
import deletedRows from '../../src/checks/deleted-rows.js';
import { createContext } from '../../src/checks/runner.js';
import type { CheckResult } from '../../src/checks/check.js';
import type { Finding } from '../../src/core/finding.js';
import type { Report } from '../../src/core/report.js';
import type { Artifacts, Reachability } from '../../src/gather/artifacts.js';
import { openHnswlib } from '../../src/sources/hnswlib/hnswlib-source.js';
import { fixture } from '../ann/fixtures.js';
import { graphFixture } from './fixtures.js';

const cosine: CheckOptionsInput = { metric: 'cosine', dim: 128 };
const deleted = (report: Report): Finding | undefined => report.findings.find((finding) => finding.code === 'deleted-rows');

test("hnswlib markDelete: the file's marks are read with the deleted labels", async () => {
  const source = await openHnswlib(graphFixture('hnswlib/marked-deleted.hnswlib'), { metric: 'cosine' });
  try {
    const marks = (await source.describe()).index?.deletedRows;
    assert.ok(marks);
    assert.equal(marks.count, 20);
    assert.equal(marks.entries, 200);
    assert.deepEqual(marks.examples.slice(0, 3), ['0', '10', '20']);
    assert.equal(marks.stillRoute, true);
  } finally {
    await source.close();
  }
});

test('a tenth of entries deleted, searches unaffected: nothing reported; no marks at all: nothing', async () => {
  for (const path of [graphFixture('hnswlib/marked-deleted.hnswlib'), fixture('langchain-cosine/hnswlib.index'), fixture('cos-i8.usearch')]) {
    const before = readFileSync(path);
    const report = await check(path, cosine);
    assert.equal(deleted(report), undefined, `${path}: ${deleted(report)?.message}`);
    assert.ok(readFileSync(path).equals(before), 'check leaves the file byte-identical');
  }
});

test('most entries deleted (hnswlib 180 of 200, usearch 40 of 200 removed): counted, searches measured, info only', async () => {
  const hnswlib = deleted(await check(graphFixture('hnswlib/mostly-deleted.hnswlib'), cosine));
  assert.ok(hnswlib);
  assert.equal(hnswlib.severity, 'info');
  assert.equal(hnswlib.evidence.deleted, 180);
  assert.equal((hnswlib.evidence.searches as { shortLists: number }).shortLists, 0);
  const usearch = deleted(await check(graphFixture('usearch/removed.usearch'), cosine));
  assert.ok(usearch);
  assert.equal(usearch.evidence.deleted, 40);
  assert.equal(usearch.evidence.entries, 200);
  assert.equal(usearch.severity, 'info');
});

/** The mostly-deleted file's artifacts with a hand-set search outcome (short lists, deleted ids returned). */
async function withSearch(outcome: Partial<Reachability>): Promise<CheckResult> {
  const source = await openHnswlib(graphFixture('hnswlib/mostly-deleted.hnswlib'), { metric: 'cosine' });
  try {
    const description = await source.describe();
    const index = description.index!;
    const reachability: Reachability = {
      k: 10,
      method: 'own-id',
      rowsProbed: 20,
      plannedRows: 20,
      ties: 0,
      notOwnAnswer: 0,
      unreachable: 0,
      shortLists: 0,
      deletedReturned: 0,
      examples: [],
      sweep: [],
      seconds: 0,
      cuts: [],
      ...outcome,
    };
    const result = deletedRows.run({ source: description, index, reachability } as unknown as Artifacts, createContext());
    assert.ok(result && !Array.isArray(result));
    return result as CheckResult;
  } finally {
    await source.close();
  }
}

test('searches returning fewer than k, or deleted ids: warn / fail', async () => {
  assert.equal((await withSearch({ shortLists: 2 })).severity, 'warn');
  assert.equal((await withSearch({ shortLists: 15 })).severity, 'fail');
  const returned = await withSearch({ deletedReturned: 3 });
  assert.equal(returned.severity, 'fail');
  assert.match(returned.message, /deleted documents come back/);
});
