import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CHECKS } from '../../src/checks/registry.js';
import { runChecks } from '../../src/checks/runner.js';
import { createContext } from '../../src/computed/check-context.js';
import { EARLY_FIRST_KEYS, HELPER_KEYS, SampleHelper, type SampleHelperOptions } from '../../src/computed/sample-helper.js';
import type { Artifacts } from '../../src/gather/artifacts.js';
import { gather } from '../../src/gather/gather.js';
import type { SamplePlan } from '../../src/gather/sample-plan.js';
import { openNpy } from '../../src/sources/files/npy.js';
import { readNpyF32, writeNpy } from '../helpers/npy.js';

const dataDirectory = new URL('../../../shared/data/wordnet-ft128/', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-sample-helper-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Real rows with something for each offloaded fact: a second model's quarter, copies, near-copies. */
function mixedFile(): string {
  const modelA = readNpyF32(join(dataDirectory, 'docs.f32.npy'));
  const modelB = readNpyF32(join(dataDirectory, 'docs_model_b.f32.npy'));
  const { dim } = modelA;
  const rows = 8000;
  const data = new Float32Array(rows * dim);
  data.set(modelA.data.subarray(0, 6000 * dim));
  data.set(modelB.data.subarray(6000 * dim, rows * dim), 6000 * dim);
  for (let r = 0; r < 300; r++) data.copyWithin((7000 + r) * dim, r * dim, (r + 1) * dim);
  for (let r = 0; r < 200; r++) for (let j = 0; j < dim; j++) data[(300 + r) * dim + j] = (data[(1000 + r) * dim + j] as number) * 1.001;
  const path = join(folder, 'mixed.npy');
  writeNpy(path, data, rows, dim);
  return path;
}

async function artifactsOf(path: string, onSamplePlanned?: (plan: SamplePlan) => void): Promise<Artifacts> {
  const source = openNpy(path);
  try {
    return await gather(source, { from: 'options' }, { sample: 3000, seed: 7, full: false, probeQueries: 100, k: 10, scanBudgetBytes: 1 << 30, ...(onSamplePlanned ? { onSamplePlanned } : {}) });
  } finally {
    await source.close();
  }
}

async function readyHelper(options: Partial<SampleHelperOptions> = {}): Promise<SampleHelper> {
  const helper = SampleHelper.start({ sample: 3000, cores: 2, ...options });
  assert.ok(helper, 'a helper starts with two cores and a 3,000-row sample');
  for (let waited = 0; !helper.isReady; waited += 20) {
    assert.ok(waited < 30_000, 'the helper loads within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return helper;
}

test('facts computed on the helper thread equal those computed here, and so does every check’s verdict', async () => {
  const artifacts = await artifactsOf(mixedFile());
  const here = createContext();
  const alone = runChecks(artifacts, CHECKS, { context: here, enforceContracts: false });
  const helper = await readyHelper();
  try {
    const shared = createContext();
    assert.equal(await helper.precompute(artifacts, shared), 'shared');
    for (const key of HELPER_KEYS) {
      const mine = here.memo(key, () => assert.fail(`${key} was not computed without the helper`));
      const offloaded = shared.memo(key, () => assert.fail(`${key} did not come back from the helper`));
      assert.deepStrictEqual(offloaded, mine, key);
    }
    const helped = runChecks(artifacts, CHECKS, { context: shared, enforceContracts: false });
    assert.deepStrictEqual(helped.findings, alone.findings);
    assert.deepStrictEqual(helped.outcomes, alone.outcomes);
    assert.ok(alone.findings.some((finding) => finding.code === 'mixed-models') && alone.findings.some((finding) => finding.code === 'duplicate-rows'), 'the fixture exercises the offloaded facts');
  } finally {
    helper.close();
  }
});

test('no helper for a small sample or a single core; a helper not yet loaded leaves the work here', async () => {
  assert.equal(SampleHelper.start({ sample: 500, cores: 2 }), undefined);
  assert.equal(SampleHelper.start({ sample: 5000, cores: 1 }), undefined);
  const artifacts = await artifactsOf(mixedFile());
  const helper = SampleHelper.start({ sample: 3000, cores: 2 });
  assert.ok(helper);
  try {
    // Asked at once: the worker has not loaded its modules yet.
    const context = createContext();
    assert.equal(await helper.precompute(artifacts, context), 'none');
    for (const key of HELPER_KEYS)
      assert.equal(
        context.memo(key, () => 'not set'),
        'not set',
        `${key} left to this thread`,
      );
  } finally {
    helper.close();
  }
  const closed = await readyHelper();
  closed.close();
  assert.equal(await closed.precompute(artifacts, createContext()), 'none', 'a closed helper computes nothing');
});

test('an early sample, read by the helper while the scan runs, gives the same facts and verdicts, whichever thread ends up with the rest', async () => {
  const path = mixedFile();
  const here = createContext();
  const alone = runChecks(await artifactsOf(path), CHECKS, { context: here, enforceContracts: false });
  const keys = [...EARLY_FIRST_KEYS, ...HELPER_KEYS];
  // 'early': the file reads from the page cache at once, and the helper is given time to answer.
  // 'early, rest here': the read-ahead completes only after the scan, so the helper is still on the model split.
  for (const expected of ['early', 'early, rest here'] as const) {
    const helper = await readyHelper({ earlyMinFileBytes: 0 });
    try {
      let readAhead = (): void => undefined;
      const whole = new Promise<boolean>((resolve) => (readAhead = () => resolve(true)));
      const artifacts = await artifactsOf(path, (plan) => (expected === 'early' ? helper.planned({ ...plan, inPageCache: () => true }) : helper.planned({ ...plan, inPageCache: () => false }, whole)));
      if (expected === 'early') assert.equal(await helper.earlyAnswered(), true);
      else readAhead();
      const shared = createContext();
      assert.equal(await helper.precompute(artifacts, shared), expected);
      for (const key of keys) {
        const mine = here.memo(key, () => assert.fail(`${key} was not computed without the helper`));
        assert.deepStrictEqual(
          shared.memo(key, () => assert.fail(`${key} is missing (${expected})`)),
          mine,
          `${key} (${expected})`,
        );
      }
      const helped = runChecks(artifacts, CHECKS, { context: shared, enforceContracts: false });
      assert.deepStrictEqual(helped.findings, alone.findings, expected);
      assert.deepStrictEqual(helped.outcomes, alone.outcomes, expected);
    } finally {
      helper.close();
    }
  }
});

test('an early sample that is not the scan’s sample is not used; a small file or an incomplete read-ahead gets none', async () => {
  const path = mixedFile();
  const here = createContext();
  const alone = runChecks(await artifactsOf(path), CHECKS, { context: here, enforceContracts: false });
  // The plan announces another seed than the artifacts end up with: its facts must not be used.
  const helper = await readyHelper({ earlyMinFileBytes: 0 });
  try {
    const artifacts = await artifactsOf(path, (plan) => helper.planned({ ...plan, inPageCache: () => true, settings: { ...plan.settings, seed: plan.settings.seed + 1 } }));
    assert.equal(await helper.earlyAnswered(), true);
    const shared = createContext();
    assert.equal(await helper.precompute(artifacts, shared), 'shared');
    const helped = runChecks(artifacts, CHECKS, { context: shared, enforceContracts: false });
    assert.deepStrictEqual(helped.findings, alone.findings);
    assert.deepStrictEqual(helped.outcomes, alone.outcomes);
  } finally {
    helper.close();
  }
  // A read-ahead that never ends (an API caller's promise) does not hold the check up.
  const waiting = await readyHelper({ earlyMinFileBytes: 0 });
  try {
    const artifacts = await artifactsOf(path, (plan) => waiting.planned({ ...plan, inPageCache: () => false }, new Promise<boolean>(() => undefined)));
    assert.equal(await waiting.precompute(artifacts, createContext()), 'shared');
  } finally {
    waiting.close();
  }
  for (const options of [{}, { earlyMinFileBytes: 0 }]) {
    const idle = await readyHelper(options);
    try {
      // Default threshold: the 4 MB file is too small. Lowered: the read-ahead stopped short of the end.
      await artifactsOf(path, (plan) => idle.planned({ ...plan, inPageCache: () => false }, Promise.resolve(false)));
      assert.equal(await idle.earlyAnswered(), false);
    } finally {
      idle.close();
    }
  }
});
