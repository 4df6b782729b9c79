import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import hnswlibNode from 'hnswlib-node';
import usearch from 'usearch';
import { VectorclinicError } from '../../src/errors.js';
import { openHnswlib } from '../../src/sources/hnswlib/hnswlib-source.js';
import type { VectorSource } from '../../src/sources/source.js';
import { openUsearch } from '../../src/sources/usearch/usearch-source.js';
import { fuzzSeed } from '../fuzz/seed.js';
import { withTempDir } from './fixtures.js';

const DIM = 8;
const ROWS = 40;
/** A corrupt file must be rejected quickly, whatever its counts claim. */
const MAX_OPEN_MS = 1000;
/** Opening a few-KB file may never allocate more than this, whatever its header says. */
const MAX_ALLOCATED_BYTES = 64 << 20;

function vectors(): Float32Array {
  const data = new Float32Array(ROWS * DIM);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) + 0.1 * (i % 7);
  return data;
}

function writeSmallHnswlib(path: string): Buffer {
  const index = new hnswlibNode.HierarchicalNSW('cosine', DIM);
  index.initIndex(ROWS, 4, 20, 7);
  const data = vectors();
  for (let i = 0; i < ROWS; i++) index.addPoint(Array.from(data.subarray(i * DIM, (i + 1) * DIM)), i);
  index.writeIndexSync(path);
  return readFileSync(path);
}

function writeSmallUsearch(path: string): Buffer {
  const index = new usearch.Index({ dimensions: DIM, metric: 'cos' as never, quantization: 'f32' as never, connectivity: 4, expansion_add: 0, expansion_search: 0, multi: false });
  index.add(
    BigUint64Array.from({ length: ROWS }, (_, i) => BigInt(i)),
    vectors(),
    1,
  );
  index.save(path);
  return readFileSync(path);
}

type Opener = (path: string) => Promise<VectorSource>;
const openers: Record<string, { write: (path: string) => Buffer; open: Opener }> = {
  hnswlib: { write: writeSmallHnswlib, open: (path) => openHnswlib(path, { metric: 'cosine' }) },
  usearch: { write: writeSmallUsearch, open: (path) => openUsearch(path) },
};

/** Open and read everything: either that works, or it fails with a VectorclinicError, fast and without a big allocation. */
async function openAndRead(open: Opener, path: string): Promise<'ok' | 'rejected'> {
  const started = performance.now();
  const memoryBefore = process.memoryUsage().arrayBuffers;
  let source: VectorSource | undefined;
  try {
    source = await open(path);
    const description = await source.describe();
    for await (const block of source.scan()) assert.equal(block.dim, description.dim);
    if (description.rows > 0) await source.readRows([0, description.rows - 1].filter((row, i, all) => all.indexOf(row) === i));
    return 'ok';
  } catch (error) {
    if (!VectorclinicError.isInstance(error)) throw error;
    assert.ok(error.byteOffset !== undefined, `no byte offset in: ${error.message}`);
    return 'rejected';
  } finally {
    await source?.close();
    assert.ok(performance.now() - started < MAX_OPEN_MS, 'took too long');
    assert.ok(process.memoryUsage().arrayBuffers - memoryBefore < MAX_ALLOCATED_BYTES, 'allocated from an unchecked count');
  }
}

for (const [format, { write, open }] of Object.entries(openers)) {
  test(`${format}: every truncation of a real file is rejected with an offset`, async () => {
    await withTempDir(async (dir) => {
      const original = write(join(dir, `original.${format}`));
      assert.equal(await openAndRead(open, join(dir, `original.${format}`)), 'ok');
      const path = join(dir, `cut.${format}`);
      writeFileSync(path, original);
      for (let length = original.length - 1; length >= 0; length--) {
        truncateSync(path, length);
        assert.equal(await openAndRead(open, path), 'rejected', `truncated to ${length} bytes`);
      }
    });
  });

  test(`${format}: random bytes and mutated bytes never escape as anything but an input error`, async () => {
    await withTempDir(async (dir) => {
      const original = write(join(dir, `original.${format}`));
      const path = join(dir, `fuzz.${format}`);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
          writeFileSync(path, bytes);
          await openAndRead(open, path);
        }),
        { numRuns: 200, seed: fuzzSeed(1) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
          const mutated = Buffer.from(original);
          for (const [offset, value] of edits) mutated[offset] = value;
          writeFileSync(path, mutated);
          await openAndRead(open, path);
        }),
        { numRuns: 300, seed: fuzzSeed(2) },
      );
    });
  });
}

/** Offsets of the count and size fields in each format's headers (usearch: matrix size and head counts). */
type HeaderField = { readonly offset: number; readonly bytes: 4 | 8 };
const COUNT_FIELDS: Record<string, (original: Buffer) => HeaderField[]> = {
  hnswlib: () => [...[8, 16, 24, 32, 40, 56, 64, 72, 88].map((offset): HeaderField => ({ offset, bytes: 8 })), ...[48, 52].map((offset): HeaderField => ({ offset, bytes: 4 }))],
  usearch: (original) => {
    const head = original.indexOf(Buffer.from('usearch'));
    return [
      { offset: 0, bytes: 4 as const },
      { offset: 4, bytes: 4 as const },
      ...[17, 25, 33].map((field) => ({ offset: head + field, bytes: 8 as const })),
      ...[0, 8, 16, 24, 32].map((field) => ({ offset: head + 64 + field, bytes: 8 as const })),
    ];
  },
};

for (const [format, { write, open }] of Object.entries(openers)) {
  test(`${format}: huge or wrong counts in the headers are rejected, not allocated`, async () => {
    await withTempDir(async (dir) => {
      const original = write(join(dir, `original.${format}`));
      const fields = COUNT_FIELDS[format]!(original);
      const path = join(dir, `counts.${format}`);
      const extremes = fc.constantFrom(0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: fields.length - 1 }), fc.oneof(extremes, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), async (field, value) => {
          const { offset, bytes } = fields[field]!;
          const mutated = Buffer.from(original);
          if (bytes === 8) mutated.writeBigUInt64LE(value, offset);
          else mutated.writeUInt32LE(Number(value & 0xffffffffn), offset);
          writeFileSync(path, mutated);
          await openAndRead(open, path);
        }),
        { numRuns: 300, seed: fuzzSeed(3) },
      );
    });
  });
}
