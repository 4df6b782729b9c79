import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kernels } from '../../math/kernels.js';
import { Rng } from '../../math/rng.js';
import type { FixedRowSource } from './fixed-row-source.js';
import { openNpy } from './npy.js';
import { openVecs } from './vecs.js';

const directory = mkdtempSync(join(tmpdir(), 'vectorclinic-fixed-rows-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function npyBytes(descr: string, rows: number, dim: number, payload: Uint8Array): Buffer {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const padded = Math.ceil((10 + header.length + 1) / 64) * 64 - 10;
  const out = Buffer.alloc(10 + padded + payload.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out.writeUInt16LE(padded, 8);
  out.write(header.padEnd(padded - 1, ' ') + '\n', 10, 'latin1');
  out.set(payload, 10 + padded);
  return out;
}

/** Random bytes: every float32/float16 bit pattern is some value (NaN payloads included). */
function randomBytes(length: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length }, () => rng.nextUint32() & 0xff);
}

async function scanAll(source: FixedRowSource, first: number, end: number, blockFloats: number): Promise<Uint32Array> {
  const { dim } = await source.describe();
  const bits = new Uint32Array((end - first) * dim);
  let expectedStart = first;
  for await (const block of source.scanRange(first, end, { blockFloats })) {
    assert.equal(block.start, expectedStart);
    bits.set(new Uint32Array(block.data.buffer, block.data.byteOffset, block.count * dim), (block.start - first) * dim);
    expectedStart += block.count;
  }
  assert.equal(expectedStart, end);
  return bits;
}

async function readBits(source: FixedRowSource, first: number, end: number): Promise<Uint32Array> {
  const block = await source.readRows(Array.from({ length: end - first }, (_, i) => first + i));
  return new Uint32Array(block.data.buffer, block.data.byteOffset, block.data.length);
}

const rows = 1001;
const dim = 7;
const cases: { name: string; open: () => FixedRowSource }[] = [
  {
    name: 'float32 .npy (read straight into kernel memory)',
    open: () => {
      const path = join(directory, 'f32.npy');
      writeFileSync(path, npyBytes('<f4', rows, dim, randomBytes(rows * dim * 4, 1)));
      return openNpy(path);
    },
  },
  {
    name: 'float16 .npy (decoded)',
    open: () => {
      const path = join(directory, 'f16.npy');
      writeFileSync(path, npyBytes('<f2', rows, dim, randomBytes(rows * dim * 2, 2)));
      return openNpy(path);
    },
  },
  {
    name: '.fvecs (row prefixes checked and skipped)',
    open: () => {
      const path = join(directory, 'rows.fvecs');
      const bytes = Buffer.from(randomBytes(rows * (4 + dim * 4), 3));
      for (let r = 0; r < rows; r++) bytes.writeInt32LE(dim, r * (4 + dim * 4));
      writeFileSync(path, bytes);
      return openVecs(path, 'fvecs');
    },
  },
];

for (const { name, open } of cases) {
  test(`scan and scanRange return exactly the bits readRows returns: ${name}`, async () => {
    const source = open();
    try {
      const whole = await readBits(source, 0, rows);
      // 50 floats per block: 7 rows, so blocks end mid-file and the last one is short.
      assert.deepEqual(await scanAll(source, 0, rows, 50), whole);
      assert.deepEqual(await scanAll(source, 333, 900, 50), whole.subarray(333 * dim, 900 * dim));
      assert.deepEqual(await scanAll(source, 1000, 1001, 1), whole.subarray(1000 * dim));
      assert.deepEqual(await scanAll(source, 500, 500, 50), new Uint32Array(0));
    } finally {
      await source.close();
    }
  });
}

test('scanRange rejects ranges outside the file', async () => {
  const source = cases[0]?.open() as FixedRowSource;
  try {
    await assert.rejects(async () => {
      for await (const block of source.scanRange(10, rows + 1)) void block;
    }, RangeError);
    await assert.rejects(async () => {
      for await (const block of source.scanRange(5, 4)) void block;
    }, RangeError);
  } finally {
    await source.close();
  }
});

test('float32 blocks live in kernel memory when the WebAssembly kernels run (no copy into them)', async (context) => {
  if (kernels().name !== 'wasm') {
    context.skip('WebAssembly kernels not loaded');
    return;
  }
  const source = cases[0]?.open() as FixedRowSource;
  try {
    for await (const block of source.scan()) assert.ok(block.data.buffer instanceof SharedArrayBuffer);
  } finally {
    await source.close();
  }
});

test('a scan reads the next block ahead: blocks stay valid until the next is asked for, and a scan left early or aborted reads on cleanly', async () => {
  const rows = 1000;
  const dim = 8;
  const payload = new Float32Array(rows * dim).map((_, i) => i);
  const path = join(directory, 'read-ahead.npy');
  writeFileSync(path, npyBytes('<f4', rows, dim, new Uint8Array(payload.buffer)));
  const source = openNpy(path);
  try {
    for await (const block of source.scanRange(0, rows, { blockFloats: 64 * dim })) {
      // The read of the next block is in flight into the other buffer: this one must not change under it.
      const first = block.data[0];
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(block.data[0], first);
      assert.equal(block.data[0], block.start * dim);
      assert.equal(block.data[block.count * dim - 1], (block.start + block.count) * dim - 1);
    }
    // Left after two blocks (the third's read in flight), then aborted after one: the next full scan is intact.
    let seen = 0;
    for await (const _ of source.scanRange(0, rows, { blockFloats: 64 * dim })) if (++seen === 2) break;
    const controller = new AbortController();
    await assert.rejects(async () => {
      for await (const _ of source.scanRange(0, rows, { blockFloats: 64 * dim, signal: controller.signal })) controller.abort();
    });
    const bits = await scanAll(source, 0, rows, 100 * dim);
    assert.deepEqual(Array.from(new Float32Array(bits.buffer)), Array.from(payload));
  } finally {
    await source.close();
  }
});
