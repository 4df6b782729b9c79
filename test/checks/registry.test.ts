import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKS } from '../../src/checks/registry.js';
import { FINDING_CODES, LABELS } from '../../src/core/finding.js';

test('one check per finding code, each code known', () => {
  const codes = CHECKS.map((check) => check.meta.code);
  assert.equal(new Set(codes).size, codes.length, `duplicate codes: ${codes.join(', ')}`);
  for (const code of codes) assert.ok((FINDING_CODES as readonly string[]).includes(code), code);
});

test('every check explains itself: titles, cause, decision rule, evidence, labels, fix', () => {
  for (const { meta } of CHECKS) {
    for (const field of ['title', 'failureTitle', 'description', 'decides', 'fix'] as const) {
      assert.ok(meta[field].length > 10, `${meta.code}.${field}`);
    }
    assert.ok(Object.keys(meta.evidence).length > 0, `${meta.code} documents its evidence`);
    assert.ok(meta.labels.length > 0 && meta.labels.every((label) => LABELS.includes(label)), `${meta.code} labels`);
    assert.ok(meta.labels.includes('No.8'), `${meta.code} is a retrieval-health finding`);
  }
});
