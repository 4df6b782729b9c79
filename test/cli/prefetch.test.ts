import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkTargetOf, prefetchFile } from '../../src/cli/prefetch.js';

const folder = mkdtempSync(join(tmpdir(), 'vectorclinic-prefetch-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const file = join(folder, 'rows.npy');
writeFileSync(file, Buffer.alloc(1 << 20, 7));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a read-ahead reads the whole file when the scan keeps up, and leaves the file as it was', async () => {
  const before = sha(file);
  const whole = prefetchFile(file, { minFileBytes: 0, whenCached: true, blockBytes: 64 << 10, cores: 2 });
  assert.ok(whole);
  assert.equal(await whole.done, 1 << 20);
  assert.equal(sha(file), before);
});

test('a read-ahead stays within its window ahead of the scan, and moves on with it', async () => {
  const readAhead = prefetchFile(file, { minFileBytes: 0, whenCached: true, windowBytes: 100 << 10, blockBytes: 16 << 10, cores: 2 });
  assert.ok(readAhead);
  const settled = async (bytes: number): Promise<void> => {
    for (let waited = 0; readAhead.bytesRead < bytes; waited++) {
      assert.ok(waited < 5000, `read ${readAhead.bytesRead} bytes, waiting for ${bytes}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Held at the window's edge: nothing more comes while the scan stays where it is.
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(readAhead.bytesRead, bytes);
  };
  // 100 KiB is six 16 KiB blocks and a 4 KiB remainder.
  await settled(100 << 10);
  readAhead.scanReached((64 << 10) / (1 << 20));
  await settled(164 << 10);
  readAhead.stop();
  assert.equal(await readAhead.done, 164 << 10);
});

test('stop() ends a prefetch after the read in flight', async () => {
  const prefetch = prefetchFile(file, { minFileBytes: 0, whenCached: true, blockBytes: 4096, cores: 2 });
  prefetch?.stop();
  assert.ok((await prefetch?.done) !== undefined && ((await prefetch?.done) as number) <= 4096);
});

test('no prefetch for small files, folders, missing paths, or on a single core', () => {
  assert.equal(prefetchFile(file, { cores: 2 }), undefined, 'below the default 512 MiB');
  assert.equal(prefetchFile(folder, { minFileBytes: 0, cores: 2 }), undefined);
  assert.equal(prefetchFile(join(folder, 'missing.npy'), { minFileBytes: 0, cores: 2 }), undefined);
  assert.equal(prefetchFile(file, { minFileBytes: 0, whenCached: true, cores: 1 }), undefined);
});

test('the check target is the first word after `check` when it is not a flag', () => {
  assert.equal(checkTargetOf(['docs.npy', '--json']), 'docs.npy');
  assert.equal(checkTargetOf(['--metric', 'cosine', 'docs.npy']), undefined);
  assert.equal(checkTargetOf([]), undefined);
});

test('the prefetch hands over once the scan has read as far as it has', async () => {
  // Behind the prefetch (it has read something, the scan nothing yet): it goes on to its limit.
  const ahead = prefetchFile(file, { minFileBytes: 0, whenCached: true, blockBytes: 4096, cores: 2 });
  assert.ok(ahead);
  while (ahead.bytesRead === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  ahead.scanReached(0);
  assert.equal(await ahead.done, 1 << 20);
  // Caught up (nothing read yet, the scan at its start): it stops before its first read.
  const caughtUp = prefetchFile(file, { minFileBytes: 0, whenCached: true, blockBytes: 4096, cores: 2 });
  assert.ok(caughtUp);
  caughtUp.scanReached(0);
  assert.equal(await caughtUp.done, 0);
});
