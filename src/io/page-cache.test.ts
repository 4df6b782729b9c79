import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inPageCache } from './page-cache.js';

const BYTES = 32 << 20;

test('a file is probed once per process: the probe warming its own pages does not make a cold file look cached', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'vectorclinic-page-cache-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, 'rows.bin');
  const fd = openSync(path, 'w');
  writeSync(fd, new Uint8Array(BYTES).fill(7));
  fsyncSync(fd);
  closeSync(fd);
  // Evict it (written back first, so the pages can go); tmpfs keeps them, and the first verdict says so.
  spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });

  const first = openSync(path, 'r');
  const verdict = inPageCache(first, BYTES);
  closeSync(first);
  readFileSync(path); // now every page is cached
  const second = openSync(path, 'r');
  assert.equal(inPageCache(second, BYTES), verdict, 'the same file opened again gets the first verdict');
  closeSync(second);

  // Another modification time is another file: probed afresh, and just read, so cached.
  utimesSync(path, new Date(2020, 0, 1), new Date(2020, 0, 1));
  const third = openSync(path, 'r');
  assert.equal(inPageCache(third, BYTES), true);
  closeSync(third);
});
