import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignUp, growTo, MAX_PAGES, PAGE_BYTES, pagesFor, type WasmMemory, wasmApi } from './wasm-memory.js';

test('pages and alignment: 4 GiB is the cap, one byte past it does not fit', () => {
  assert.equal(pagesFor(0), 0);
  assert.equal(pagesFor(1), 1);
  assert.equal(pagesFor(MAX_PAGES * PAGE_BYTES), MAX_PAGES);
  assert.equal(pagesFor(MAX_PAGES * PAGE_BYTES + 1), undefined);
  assert.deepEqual([0, 1, 16, 17].map(alignUp), [0, 16, 16, 32]);
});

test('growTo grows a memory to whole pages, and refuses (unchanged) past 4 GiB', () => {
  const memory: WasmMemory = new wasmApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  assert.ok(growTo(memory, PAGE_BYTES));
  assert.equal(memory.buffer.byteLength, PAGE_BYTES);
  assert.ok(growTo(memory, 2 * PAGE_BYTES + 1));
  assert.equal(memory.buffer.byteLength, 3 * PAGE_BYTES);
  assert.equal(growTo(memory, MAX_PAGES * PAGE_BYTES + 1), false);
  assert.equal(memory.buffer.byteLength, 3 * PAGE_BYTES);
});
