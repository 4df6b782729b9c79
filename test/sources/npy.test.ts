import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { check } from '../../src/api/check.js';
import { InputError } from '../../src/errors.js';
import { LocalFile } from '../../src/sources/files/local-file.js';
import { openNpy, readNpyHeader } from '../../src/sources/files/npy.js';
import { assertSameValues, assertScanMatchesReadRows, docsRows, DOCS_DIM, expectInputError, fixtures, range, scanAll, tempDir } from './helpers.js';
import { countBytesRead } from './read-counter.js';

const npy = (name: string): string => join(fixtures, 'npy', name);
const FIXTURE_ROWS = 48; // scripts/fixtures/files/make_npy_fixtures.py writes rows 0..47
const reference = docsRows(range(0, FIXTURE_ROWS));

test('npy v1, v2 and v3 headers read the same float32 rows as the source', async () => {
  for (const [name, version] of [
    ['v1-f4.npy', '1.0'],
    ['v2-f4.npy', '2.0'],
    ['v3-f4.npy', '3.0'],
  ] as const) {
    const file = LocalFile.open(npy(name));
    try {
      const header = readNpyHeader(file);
      assert.equal(header.version, version, name);
      assert.deepEqual(header.shape, [FIXTURE_ROWS, DOCS_DIM]);
      assert.equal(header.dataOffset % 64, 0, 'NumPy aligns the data to 64 bytes');
    } finally {
      file.close();
    }
    const source = openNpy(npy(name));
    const description = await source.describe();
    assert.equal(description.storage.type, 'float32');
    assert.equal(description.rows, FIXTURE_ROWS);
    assertSameValues((await scanAll(source)).data, reference, name);
    await assertScanMatchesReadRows(source, [0, 1, 17, 46, 47]);
    await source.close();
  }
});

test('npy <f8 and >f4 (big-endian, converted on read) give the source values exactly', async () => {
  for (const [name, storage] of [
    ['f8.npy', 'float64'],
    ['be-f4.npy', 'float32'],
  ] as const) {
    const source = openNpy(npy(name));
    assert.equal((await source.describe()).storage.type, storage);
    assertSameValues((await scanAll(source, 1000)).data, reference, name);
    await assertScanMatchesReadRows(source, [3, 4, 40]);
    await source.close();
  }
});

test('npy <f2 reads within half precision of the source', async () => {
  const source = openNpy(npy('f2.npy'));
  const description = await source.describe();
  assert.equal(description.storage.type, 'float16');
  assert.ok(description.normTolerance > (await openNpy(npy('v1-f4.npy')).describe()).normTolerance, 'float16 gets a wider norm tolerance');
  const { data } = await scanAll(source);
  for (let i = 0; i < reference.length; i++) {
    const expected = reference[i] as number;
    // Round to nearest with an 11-bit significand: relative error ≤ 2^-11 (plus subnormal spacing).
    assert.ok(Math.abs((data[i] as number) - expected) <= Math.abs(expected) * 2 ** -11 + 2 ** -25, `value ${i}`);
  }
  await source.close();
});

test('npy <f2 values beyond the float16 range read as ±Inf', async () => {
  const source = openNpy(npy('f2-overflow.npy'));
  const { data } = await scanAll(source);
  const scale = Math.fround(6e5); // the fixture script scales by 6e5
  let infinities = 0;
  for (let i = 0; i < reference.length; i++) {
    const scaled = Math.fround((reference[i] as number) * scale);
    const value = data[i] as number;
    // 65520 is halfway between the largest float16 (65504) and the next step: it rounds to Inf.
    if (Math.abs(scaled) >= 65520) {
      assert.equal(value, Math.sign(scaled) * Infinity, `value ${i} (${scaled}) overflows`);
      infinities++;
    } else {
      assert.ok(Number.isFinite(value) && Math.abs(value - scaled) <= Math.abs(scaled) * 2 ** -11, `value ${i}`);
    }
  }
  assert.ok(infinities > 0, 'the fixture holds overflowed values');
  await source.close();
});

test('npy |u1 and |i1 read the stored integers', async () => {
  for (const [name, storage, signed] of [
    ['u1.npy', 'uint8', false],
    ['i1.npy', 'int8', true],
  ] as const) {
    const source = openNpy(npy(name));
    const description = await source.describe();
    assert.equal(description.storage.type, storage);
    const file = LocalFile.open(npy(name));
    const dataOffset = readNpyHeader(file).dataOffset;
    file.close();
    const raw = readFileSync(npy(name)).subarray(dataOffset);
    const expected = Array.from(raw, (byte) => (signed ? (byte << 24) >> 24 : byte));
    assertSameValues((await scanAll(source)).data, expected, name);
    await source.close();
  }
});

test('npy with zero rows is an empty store, not an error', async () => {
  const source = openNpy(npy('empty-rows.npy'));
  const description = await source.describe();
  assert.equal(description.rows, 0);
  assert.equal(description.dim, DOCS_DIM);
  assert.deepEqual((await scanAll(source)).rows, []);
  await source.close();
});

test('npy layouts vectorclinic cannot read are InputErrors that say what to do', async () => {
  const cases: [string, RegExp, RegExp][] = [
    ['fortran.npy', /Fortran/, /ascontiguousarray/],
    ['object.npy', /Python objects/, /np\.stack/],
    ['structured.npy', /structured/, /embedding/],
    ['one-d.npy', /2-D array.*\(128\)/, /reshape\(1, -1\)/],
    ['three-d.npy', /2-D array.*\(2, 4, 128\)/, /reshape/],
  ];
  for (const [name, message, hint] of cases) {
    const error = await expectInputError(() => openNpy(npy(name)), message);
    assert.ok(error instanceof InputError, name);
    assert.equal(error.where, npy(name));
    assert.match(error.hint ?? '', hint, name);
  }
});

test('a 5,000-row sample of a 4 GiB .npy reads about 5,000 rows, not the file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'big.npy');
  const rows = 8_388_608; // × 128 × 4 bytes = 4 GiB of data
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${DOCS_DIM}), }`.padEnd(117, ' ') + '\n';
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]), Buffer.from(header, 'latin1')]));
  ftruncateSync(fd, 128 + rows * DOCS_DIM * 4); // sparse: no disk space, reads as zeros
  closeSync(fd);
  const { result: report, bytes } = await countBytesRead(() => check(path, { sample: 5000, scanBudgetBytes: 0 }));
  assert.equal(report.stats.sampled, 5000);
  assert.equal(report.stats.scanScope, 'sample');
  assert.ok(
    report.findings.some((finding) => finding.code === 'zero-vectors'),
    'the zero rows are found',
  );
  const rowBytes = DOCS_DIM * 4;
  assert.ok(bytes < 5000 * rowBytes * 4, `read ${bytes} bytes for 5,000 rows of ${rowBytes} bytes`);
});
