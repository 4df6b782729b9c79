import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storedVectorsAnswer } from '../../src/gather/exact-reference.js';
import { gather } from '../../src/gather/gather.js';
import { openSource } from '../../src/sources/open-source.js';
import type { VectorSource } from '../../src/sources/source.js';
import { bigLabelHnswlib, fixture, withTempDir } from '../ann/fixtures.js';

/** The source as gather sees it, counting gather's describe() calls (the source's own calls are not gather's). */
function counting(source: VectorSource): { source: VectorSource; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(source, {
    get(target, key) {
      if (key === 'describe') {
        return () => {
          calls++;
          return target.describe();
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { source: wrapped, calls: () => calls };
}

async function gatherCounting(path: string) {
  const opened = await openSource(path, { metric: 'cosine' });
  const { source, calls } = counting(opened);
  try {
    const artifacts = await gather(
      source,
      { from: 'options', metric: 'cosine' },
      { sample: 500, seed: 7, full: false, probeQueries: 10, k: 10, scanBudgetBytes: 2 ** 40, exactReference: (description, audit) => storedVectorsAnswer(opened, description, audit) },
    );
    return { artifacts, calls: calls() };
  } finally {
    await opened.close();
  }
}

test('gather() describes a source once: an hnswlib index that searches with its library', async () => {
  const { artifacts, calls } = await gatherCounting(fixture('langchain-cosine/hnswlib.index'));
  assert.equal(calls, 1);
  assert.ok(artifacts.annAudit, 'the audit ran');
});

test('gather() describes a source once: the exact fallback of an hnswlib index travels with its answers into the notes', async () => {
  await withTempDir(async (dir) => {
    const { artifacts, calls } = await gatherCounting(bigLabelHnswlib(dir));
    assert.equal(calls, 1);
    assert.ok(
      artifacts.source.notes?.some((note) => note.includes('searches fall back to exact search over the stored vectors')),
      (artifacts.source.notes ?? []).join('\n'),
    );
  });
});
