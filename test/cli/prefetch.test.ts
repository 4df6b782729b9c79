import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkTargetOf, type Prefetch, prefetchFile } from '../../src/cli/prefetch.js';

const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-prefetch-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const file = join(folder, 'rows.npy');
writeFileSync(file, Buffer.alloc(1 << 20, 7));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a prefetch reads the file head up to its limit, in blocks, and leaves the file as it was', async () => {
  const before = sha(file);
  const whole = prefetchFile(file, { minFileBytes: 0, blockBytes: 64 << 10, idleCores: 2 });
  assert.ok(whole);
  assert.equal(await whole.done, 1 << 20);
  const head = prefetchFile(file, { minFileBytes: 0, maxBytes: 100_000, blockBytes: 64 << 10, idleCores: 2 });
  assert.equal(await head?.done, 100_000);
  assert.equal(sha(file), before);
});

test('stop() ends a prefetch after the read in flight', async () => {
  const prefetch = prefetchFile(file, { minFileBytes: 0, blockBytes: 4096, idleCores: 2 });
  prefetch?.stop();
  assert.ok((await prefetch?.done) !== undefined && ((await prefetch?.done) as number) <= 4096);
});

test('no prefetch for small files, folders, missing paths, or without a spare core', () => {
  assert.equal(prefetchFile(file, { idleCores: 2 }), undefined, 'below the default 512 MiB');
  assert.equal(prefetchFile(folder, { minFileBytes: 0, idleCores: 2 }), undefined);
  assert.equal(prefetchFile(join(folder, 'missing.npy'), { minFileBytes: 0, idleCores: 2 }), undefined);
  assert.equal(prefetchFile(file, { minFileBytes: 0, idleCores: 1 }), undefined);
});

test('the check target is the first word after `check` when it is not a flag', () => {
  assert.equal(checkTargetOf(['docs.npy', '--json']), 'docs.npy');
  assert.equal(checkTargetOf(['--metric', 'cosine', 'docs.npy']), undefined);
  assert.equal(checkTargetOf([]), undefined);
});

test('the prefetch hands over once the scan has read as far as it has', async () => {
  const started = async (): Promise<Prefetch> => {
    const prefetch = prefetchFile(file, { minFileBytes: 0, blockBytes: 4096, idleCores: 2 });
    assert.ok(prefetch);
    while (prefetch.bytesRead === 0) await new Promise((resolve) => setImmediate(resolve));
    return prefetch;
  };
  const ahead = await started();
  // The scan has not reached what the prefetch read: it goes on to its limit.
  ahead.scanReached(ahead.bytesRead / (1 << 20) / 2);
  assert.equal(await ahead.done, 1 << 20);
  const caughtUp = await started();
  caughtUp.scanReached(caughtUp.bytesRead / (1 << 20));
  assert.ok(((await caughtUp.done) as number) < 1 << 20, 'stops after the read in flight');
});
