import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { VectorclinicError } from '../../src/errors.js';
import { openJsonl } from '../../src/sources/files/jsonl.js';
import { openNpy } from '../../src/sources/files/npy.js';
import type { VectorSource } from '../../src/sources/source.js';
import { fuzzSeed } from '../fuzz/seed.js';
import { blockRows, range, scanAll, tempDir } from './helpers.js';

/**
 * Random and corrupted inputs must give a VectorclinicError (exit 2) or a working source: never
 * another exception, a hang, or an allocation sized by an unchecked count.
 */

/** VECTORCLINIC_FUZZ_SEED replays another seed (see test/fuzz/seed.ts). */
const SEED = fuzzSeed(20251125);
const RUNS = 300;

/** Whatever the input, a source that opens must scan and sample consistently within the file's size. */
async function exerciseSource(source: VectorSource, fileSize: number): Promise<void> {
  const description = await source.describe();
  assert.ok(Number.isSafeInteger(description.rows) && description.rows >= 0);
  assert.ok(Number.isSafeInteger(description.dim) && description.dim >= 0);
  const scanned = await scanAll(source);
  assert.equal(scanned.rows.length + scanned.issues.length, description.rows, 'every row decoded or reported');
  assert.ok(scanned.data.length * 4 <= Math.max(fileSize * 8, 1 << 16), 'decoded data is bounded by the file');
  if (description.rows > 0) {
    const wanted = [...new Set([0, description.rows - 1, Math.floor(description.rows / 2)])].sort((a, b) => a - b);
    const block = await source.readRows(wanted);
    assert.equal(blockRows(block).length + (block.issues?.length ?? 0), wanted.length);
  }
}

/** Run `open` on the bytes; only VectorclinicErrors may escape. */
async function openOrInputError(path: string, bytes: Uint8Array, open: (path: string) => VectorSource | Promise<VectorSource>): Promise<'opened' | 'rejected'> {
  writeFileSync(path, bytes);
  let source: VectorSource;
  try {
    source = await open(path);
  } catch (error) {
    if (VectorclinicError.isInstance(error)) return 'rejected';
    throw error;
  }
  try {
    await exerciseSource(source, bytes.length);
    return 'opened';
  } catch (error) {
    if (VectorclinicError.isInstance(error)) return 'rejected';
    throw error;
  } finally {
    await source.close();
  }
}

const validDescrs = ['<f4', '<f8', '<f2', '>f4', '>f8', '|u1', '|i1'];
const otherDescrs = ['<i4', '|O', '|b1', '<c8', '=f4', 'f4', '<U10', '', "<f4', 'x"];
const bytesPer: Record<string, number> = { '<f4': 4, '<f8': 8, '<f2': 2, '>f4': 4, '>f8': 8, '|u1': 1, '|i1': 1 };
const oddShapeEntry = fc.constantFrom('1000000000000', '9007199254740993', '70000', '1e3', '-5', '3L', ' 7 ', 'abc', '99999999999999999999999');

/** A header dict: plausible (2-D, known dtype) or broken in one of several ways. */
const npyHeader = fc.record({
  descr: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...validDescrs) }, fc.constantFrom(...otherDescrs), fc.string({ maxLength: 8 })),
  fortran: fc.oneof({ weight: 4, arbitrary: fc.constant('False') }, fc.constantFrom('True', 'false', '0', '')),
  shape: fc.oneof({ weight: 4, arbitrary: fc.tuple(fc.nat({ max: 6 }), fc.nat({ max: 6 })).map((pair) => pair.map(String)) }, fc.array(fc.oneof(fc.nat({ max: 6 }).map(String), oddShapeEntry), { maxLength: 4 })),
  quote: fc.constantFrom("'", '"'),
  dropKey: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.constantFrom('descr', 'fortran_order', 'shape')),
});

/** A .npy file with data sized for its header, then maybe corrupted: length field, extra or cut bytes, a flipped byte. */
const npyFile = fc
  .record({
    version: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(1, 2, 3) }, fc.constantFrom(0, 4, 255)),
    header: npyHeader,
    lengthDelta: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, fc.integer({ min: -20, max: 20 }), fc.constantFrom(0xffff, 2 ** 31)),
    extra: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: -40, max: 40 })),
    flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { nil: undefined, freq: 4 }),
    seed: fc.nat(),
  })
  .map(({ version, header: dict, lengthDelta, extra, flip, seed }) => {
    const q = dict.quote;
    const entries = [
      dict.dropKey === 'descr' ? '' : `${q}descr${q}: ${q}${dict.descr}${q}, `,
      dict.dropKey === 'fortran_order' ? '' : `${q}fortran_order${q}: ${dict.fortran}, `,
      dict.dropKey === 'shape' ? '' : `${q}shape${q}: (${dict.shape.join(', ')}${dict.shape.length === 1 ? ',' : ''}), `,
    ];
    const text = `{${entries.join('')}}`.padEnd(100, ' ') + '\n';
    const header = Buffer.from(text, 'latin1');
    const lengthBytes = version === 1 ? 2 : 4;
    const preamble = Buffer.alloc(8 + lengthBytes);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(preamble);
    const length = Math.max(0, header.length + lengthDelta);
    if (lengthBytes === 2) preamble.writeUInt16LE(Math.min(length, 0xffff), 8);
    else preamble.writeUInt32LE(Math.min(length, 0xffffffff), 8);
    const cells = dict.shape.reduce((product, entry) => product * (/^\d+$/.test(entry) ? Number(entry) : 1), 1);
    const dataBytes = Math.max(0, Math.min(4096, cells * (bytesPer[dict.descr] ?? 4) + extra));
    const data = Buffer.from(Array.from({ length: dataBytes }, (_, i) => (seed + i * 97) % 256));
    const file = Buffer.concat([preamble, header, data]);
    if (flip) file[flip[0] % file.length] = (file[flip[0] % file.length] as number) ^ flip[1];
    return file;
  });

test('fuzz: random and corrupted .npy headers give an InputError or a working source', async (t) => {
  const path = join(tempDir(t), 'fuzz.npy');
  const outcomes = { opened: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(npyFile, async (bytes) => {
      outcomes[await openOrInputError(path, bytes, openNpy)]++;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (noise) => {
      const bytes = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]), noise]);
      outcomes[await openOrInputError(path, bytes, openNpy)]++;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  // The generator must reach both outcomes, or the property says little.
  assert.ok(outcomes.opened > 10 && outcomes.rejected > 10, JSON.stringify(outcomes));
});

/** JSON lines: good vectors, ragged/typed-wrong ones, arbitrary JSON, broken text, Python tokens. */
const jsonlLine = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.double({ noDefaultInfinity: true, noNaN: true }), { minLength: 4, maxLength: 4 }).map((v) => JSON.stringify({ embedding: v })) },
  { weight: 2, arbitrary: fc.array(fc.double({ noDefaultInfinity: true, noNaN: true }), { maxLength: 8 }).map((v) => JSON.stringify({ embedding: v })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify({ embedding: value })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom('{"embedding": [NaN, Infinity, -Infinity, 1]}', '{"embedding": [1, 2, 3, 4], "t": "NaN"}', '', '   ', '\r', '[1,2,3,4]') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.array(fc.double(), { minLength: 4, maxLength: 4 }).map((v) => JSON.stringify({ embedding: v }).slice(0, -3)) },
);

test('fuzz: random JSON lines give an InputError or a source whose scan and samples agree', async (t) => {
  const path = join(tempDir(t), 'fuzz.jsonl');
  const outcomes = { opened: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(jsonlLine, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom(undefined, 'embedding', 'missing', 'a.b'), async (lines, newline, field) => {
      const bytes = Buffer.from(lines.join(newline) + (lines.length % 2 ? newline : ''));
      outcomes[await openOrInputError(path, bytes, (file) => openJsonl(file, field ? { field } : {}))]++;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  assert.ok(outcomes.opened > 10 && outcomes.rejected > 10, JSON.stringify(outcomes));
});

test('fuzz: a JSONL source returns for sampled rows exactly what its scan returned', async (t) => {
  const path = join(tempDir(t), 'agree.jsonl');
  const good = fc.array(fc.float({ noDefaultInfinity: true, noNaN: true }), { minLength: 3, maxLength: 3 });
  const goodOrRagged = fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: fc.array(fc.float({ noDefaultInfinity: true, noNaN: true }), { maxLength: 5 }) });
  // The first row is a vector, so the field is always found; the rest may be ragged.
  const rowsArbitrary = fc.tuple(good, fc.array(goodOrRagged, { maxLength: 59 })).map(([first, rest]) => [first, ...rest]);
  await fc.assert(
    fc.asyncProperty(rowsArbitrary, fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (rows, pickSeed) => {
      writeFileSync(path, rows.map((values) => JSON.stringify({ embedding: values })).join('\n'));
      const source = openJsonl(path);
      try {
        const { dim } = await source.describe();
        const scanned = await scanAll(source, dim * 7);
        const wanted = range(0, rows.length).filter((row) => ((row + 1) * pickSeed) % 3 === 0);
        const block = await source.readRows(wanted);
        const byRow = new Map(scanned.rows.map((row, i) => [row, scanned.data.subarray(i * dim, (i + 1) * dim)]));
        blockRows(block).forEach((row, i) => assert.deepEqual(block.data.subarray(i * dim, (i + 1) * dim), byRow.get(row)));
        for (const row of scanned.rows) assert.equal(rows[row]?.length, dim);
      } finally {
        await source.close();
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
});
