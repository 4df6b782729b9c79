import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { VectorclinicError } from '../../src/errors.js';
import { storedVectorsReference } from '../../src/gather/exact-reference.js';
import { FaissSource } from '../../src/sources/faiss/faiss-source.js';
import { SUPPORTED_INDEX_FOURCCS } from '../../src/sources/faiss/fourcc.js';
import { fuzzSeed } from '../fuzz/seed.js';
import { fixturePath } from './fixtures.js';

/** A corrupt 100 KB file may make the reader decode a few MB, never more. */
const MAX_BUFFER_GROWTH_BYTES = 64 << 20;
const dir = mkdtempSync(`${tmpdir()}/vectorclinic-faiss-fuzz-`);
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** How the cases ended, so a test can show it exercised both outcomes. */
const outcomes = { ok: 0, 'input-error': 0 };
/**
 * Open the bytes as a FAISS file and use it the way `check` does (describe, sample, scan, search).
 * Returns 'ok' or 'input-error'; anything else (RangeError, TypeError, a hang) fails the test.
 */
async function exercise(bytes: Uint8Array): Promise<'ok' | 'input-error'> {
  const path = `${dir}/case-${counter++ % 8}.faiss`;
  writeFileSync(path, bytes);
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let source: FaissSource | undefined;
  try {
    source = FaissSource.open(path);
    const description = await source.describe();
    const rows = [0, Math.floor(description.rows / 2), description.rows - 1].filter((row, i, all) => row >= 0 && row < description.rows && all.indexOf(row) === i);
    const sample = await source.readRows(rows);
    let scanned = 0;
    for await (const block of source.scan()) scanned += block.count;
    assert.equal(scanned, description.rows);
    if (source.search && sample.count > 0) await source.search.query({ queries: sample.data, count: sample.count, k: 5 });
    await storedVectorsReference(source, description);
    outcomes.ok++;
    return 'ok';
  } catch (error) {
    if (VectorclinicError.isInstance(error)) {
      assert.match(error.describe(), /\(byte \d+/, 'every input error names a byte offset');
      outcomes['input-error']++;
      return 'input-error';
    }
    throw error;
  } finally {
    await source?.close();
    const growth = process.memoryUsage().arrayBuffers - buffersBefore;
    assert.ok(growth < MAX_BUFFER_GROWTH_BYTES, `reading a ${bytes.length}-byte file allocated ${growth} bytes`);
  }
}

test('every truncation of a FAISS file is an input error naming the offset', { timeout: 120_000 }, async () => {
  for (const name of ['sq4', 'ivfflat_sparse_lists', 'pretransform_pcaw']) {
    const bytes = readFileSync(fixturePath(name));
    // Every cut inside the headers, then a seeded sample of cuts through the large arrays.
    const cuts = new Set<number>();
    for (let cut = 0; cut < Math.min(bytes.length, 1024); cut++) cuts.add(cut);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => void cuts.add(cut)),
      { seed: fuzzSeed(42), numRuns: 200 },
    );
    for (const cut of cuts) assert.equal(await exercise(bytes.subarray(0, cut)), 'input-error', `${name} cut at ${cut}`);
    assert.equal(await exercise(bytes), 'ok');
  }
});

test('random bytes behind a FAISS type code are read or refused, never crash', { timeout: 120_000 }, async () => {
  const fourccs = Object.keys(SUPPORTED_INDEX_FOURCCS);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...fourccs), fc.uint8Array({ minLength: 0, maxLength: 600 }), async (fourcc, body) => {
      const bytes = new Uint8Array(4 + body.length);
      bytes.set(Buffer.from(fourcc, 'latin1'));
      bytes.set(body, 4);
      await exercise(bytes);
    }),
    { seed: fuzzSeed(7), numRuns: 400 },
  );
});

/** Values that break size arithmetic: 0, 1, powers of two around 2^31, 2^32, 2^53, 2^63 and −1. */
const INTERESTING_U64 = [0n, 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n, 2n ** 64n - 1n];

test('mutated counts and bytes in real FAISS files are read or refused, never crash', { timeout: 180_000 }, async () => {
  const before = { ...outcomes };
  for (const name of ['idmap_ivf', 'hnsw_sq8', 'ivfpq_l2_unit', 'pretransform_pca', 'ivf_untrained']) {
    const original = readFileSync(fixturePath(name));
    // Mutate the structure, not the payload: the first 4 KB hold every header and count of these files.
    const structure = Math.min(original.length - 8, 4096);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: structure }),
        fc.oneof(fc.constantFrom(...INTERESTING_U64), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
        fc.array(fc.tuple(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        async (offset, value, flips) => {
          const bytes = new Uint8Array(original);
          new DataView(bytes.buffer).setBigUint64(offset, value, true);
          for (const [at, byte] of flips) bytes[at] = byte;
          await exercise(bytes);
        },
      ),
      { seed: fuzzSeed(11), numRuns: 250 },
    );
  }
  // Both outcomes occur: mutations in counts are refused, mutations in payload are read.
  assert.ok(outcomes.ok - before.ok > 100 && outcomes['input-error'] - before['input-error'] > 100, JSON.stringify(outcomes));
});

test('a corrupt HNSW graph is refused when searched, not followed', async () => {
  const bytes = new Uint8Array(readFileSync(fixturePath('hnsw_ip_unit')));
  const source = FaissSource.open(fixturePath('hnsw_ip_unit'));
  const neighborsOffset = (source as unknown as { resolved: { hnsw: { graph: { neighborsOffset: number } } } }).resolved.hnsw.graph.neighborsOffset;
  await source.close();
  // Point a neighbour slot at a node that does not exist.
  new DataView(bytes.buffer).setInt32(neighborsOffset + 4, 1_000_000, true);
  assert.equal(await exercise(bytes), 'input-error');
});
