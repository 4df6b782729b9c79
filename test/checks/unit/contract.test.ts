import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCheck, type Check } from '../../../src/checks/check.js';
import { CheckContractError } from '../../../src/checks/contract.js';
import { CHECKS } from '../../../src/checks/registry.js';
import { runChecks } from '../../../src/checks/runner.js';
import zeroVectors from '../../../src/checks/zero-vectors.js';
import { artifactsOf, clusteredRows } from '../../helpers/check-tester.js';

const artifacts = artifactsOf({ rows: clusteredRows({ count: 50, dim: 8 }) });

function probe(overrides: Partial<Check['meta']>, run: Check['run']): Check {
  return defineCheck({ meta: { ...zeroVectors.meta, ...overrides }, run });
}

test('an evidence key the meta does not declare aborts an enforced run, and only an enforced one', () => {
  const check = probe({}, () => ({ severity: 'warn', message: 'x', evidence: { count: 1, undocumented: 2 } }));
  assert.throws(
    () => runChecks(artifacts, [check], { enforceContracts: true }),
    (error) => error instanceof CheckContractError && /zero-vectors.*undocumented/.test(error.message),
  );
  assert.equal(runChecks(artifacts, [check], { enforceContracts: false }).findings[0]?.evidence.undocumented, 2);
});

test('a check sees only the artifacts it declares, required or optional', () => {
  const reads = probe({ requiredArtifacts: ['rowStats'] }, (seen) => (seen.sample.count > 0 ? null : null));
  assert.throws(() => runChecks(artifacts, [reads], { enforceContracts: true }), /zero-vectors read the artifact 'sample'/);
  const optional = probe({ requiredArtifacts: ['rowStats'], optionalArtifacts: ['queries'] }, (seen) => (seen.queries ? null : null));
  assert.equal(runChecks(artifacts, [optional], { enforceContracts: true }).outcomes[0]?.result, 'passed');
  const asks = probe({ requiredArtifacts: ['rowStats'] }, (seen) => ('index' in seen ? null : null));
  assert.throws(() => runChecks(artifacts, [asks], { enforceContracts: true }), /'index'/);
});

test('a memo computed by one check holds the next reader to the artifacts it was computed from', () => {
  const first = probe({ requiredArtifacts: ['rowStats', 'sample'] }, (seen, context) => {
    context.memo('rows', () => seen.sample.count);
    return null;
  });
  const second = probe({ code: 'nonfinite-values', requiredArtifacts: ['rowStats'] }, (_, context) => {
    context.memo('rows', () => 0);
    return null;
  });
  assert.throws(() => runChecks(artifacts, [first, second], { enforceContracts: true }), /nonfinite-values read the artifact 'sample'/);
});

test('a contract error is not swallowed as an error outcome; other errors still are', () => {
  const broken = probe({}, () => {
    throw new Error('boom');
  });
  assert.equal(runChecks(artifacts, [broken], { enforceContracts: true }).outcomes[0]?.result, 'error');
});

test('every check declares each artifact once', () => {
  for (const { meta } of CHECKS) {
    const names = [...meta.requiredArtifacts, ...(meta.optionalArtifacts ?? [])];
    assert.equal(new Set(names).size, names.length, meta.code);
  }
});
