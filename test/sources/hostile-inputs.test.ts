import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VectorclinicError } from '../../src/errors.js';
import { openSource } from '../../src/sources/open-source.js';
import { type CliRun, runCli, runTsx } from '../helpers/cli.js';
import { fixtures, repoRoot } from './helpers.js';

/**
 * Regression fixtures of issue 14 (scripts/fixtures/files/make-corrupt-fixtures.mjs names each
 * corrupted byte): before, these crashed (heap exhaustion, exit 3 on a TypeError, exit 1 from a
 * WASM panic) or were silently read short.
 */

const corrupt = (name: string): string => join(fixtures, 'corrupt', name);
/** Opening a 2 KB file may allocate a few MB, never the gigabytes a 2^30 count asks for. */
const MAX_GROWTH_BYTES = 64 << 20;

/** Open and read everything; the InputError it ends with (or undefined when it reads). */
async function refusal(name: string): Promise<VectorclinicError | undefined> {
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const source = await openSource(corrupt(name)).catch((error: unknown) => error);
  try {
    if (!(source && typeof (source as { scan?: unknown }).scan === 'function')) throw source;
    const open = source as Awaited<ReturnType<typeof openSource>>;
    for await (const block of open.scan()) assert.ok(block.count >= 0);
    await open.close();
    return undefined;
  } catch (error) {
    assert.ok(VectorclinicError.isInstance(error), `an input error, not ${String(error)}`);
    assert.equal(error.where, corrupt(name));
    return error;
  } finally {
    assert.ok(process.memoryUsage().rss - rssBefore < MAX_GROWTH_BYTES, 'no allocation sized by a corrupt count');
    assert.ok(performance.now() - started < 5000, 'refused quickly');
  }
}

test('a children vector length of 2^30 in the footer or schema message is refused at its byte, not allocated', async () => {
  const file = await refusal('children-2pow30.arrow');
  assert.match(file?.message ?? '', /Field\.children claims 1073741824 elements but the metadata has room for \d+/);
  assert.equal(file?.byteOffset, 2004);
  const stream = await refusal('children-2pow30.arrows');
  assert.match(stream?.message ?? '', /Field\.children claims 1073741824 elements/);
  assert.equal(stream?.byteOffset, 164);
});

test('an unknown column type id is refused at its byte', async () => {
  const error = await refusal('type-80.arrow');
  assert.match(error?.message ?? '', /unknown column type id 80/);
  assert.equal(error?.byteOffset, 1927);
});

test('a negative FixedSizeList size (an int32 in the footer set to -1) is refused at the schema, not read as dimension -1', async () => {
  // Found by a rotating fuzz seed (796661899): the footer's copy of the schema stores listSize at byte 126448.
  const bytes = readFileSync(join(fixtures, 'columnar', 'fixed-f32.arrow'));
  assert.equal(bytes.readInt32LE(126448), 128, 'the fixture still stores listSize 128 at this byte');
  bytes.writeInt32LE(-1, 126448);
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-negative-dim-'));
  const path = join(dir, 'negative-dim.arrow');
  writeFileSync(path, bytes);
  try {
    const error = await openSource(path).then(
      async (source) => {
        await source.close();
        return undefined;
      },
      (failure: unknown) => failure,
    );
    assert.ok(VectorclinicError.isInstance(error), `an input error, not ${String(error)}`);
    assert.match(error.message, /a vector dimension of -1 is impossible/);
    assert.equal(error.where, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a valid type apache-arrow cannot read (LargeList) is named as unsupported, not a crash', async () => {
  const error = await refusal('large-list.arrows');
  assert.match(error?.message ?? '', /a column has type LargeList, which the Arrow JS reader \(apache-arrow 18\) cannot read/);
  assert.match(error?.hint ?? '', /large_list → list/);
});

test('a body length beyond 2^53 is a malformed footer, not a TypeError', async () => {
  const error = await refusal('body-length-2pow60.arrow');
  assert.match(error?.message ?? '', /malformed Arrow footer \(1152921504606846976 is not safe to convert/);
});

test('a column without a name is read (Arrow names are optional)', async () => {
  assert.equal(await refusal('unnamed-column.arrow'), undefined);
  const source = await openSource(corrupt('unnamed-column.arrow'));
  const description = await source.describe();
  await source.close();
  assert.deepEqual([description.rows, description.dim], [24, 8]);
});

test('a zeroed message length inside a stream is corruption, not the end of a shorter stream', async () => {
  const error = await refusal('zeroed-length.arrows');
  assert.match(error?.message ?? '', /an end-of-stream marker \(a zero message length\) at byte 832, but 1168 more bytes follow it/);
  assert.equal(error?.byteOffset, 832);
});

test('a corrupt Feather metadata length names the file and the footer', async () => {
  const error = await refusal('metadata-length.feather');
  assert.match(error?.message ?? '', /the footer places record batch 0 at bytes 8\.\.2147483984, outside the data/);
});

test('LZ4- and ZSTD-compressed record batches get the documented "compressed" message', async () => {
  for (const [name, codec] of [
    ['lz4.feather', 'LZ4_FRAME'],
    ['zstd.arrows', 'ZSTD'],
  ]) {
    const error = await refusal(name as string);
    assert.match(error?.message ?? '', new RegExp(`record batches are compressed \\(LZ4/ZSTD; this file: ${codec}\\)`), name);
    assert.match(error?.hint ?? '', /compression='uncompressed'/);
  }
});

test('a parquet-wasm panic (RuntimeError: unreachable, thrown from a microtask) is an input error for that file', async () => {
  const error = await refusal('wasm-panic.parquet');
  assert.match(error?.message ?? '', /cannot decode row group 0 \(rows 0\.\.7\): the WebAssembly Parquet decoder aborted on corrupt data/);
  // The WASM module keeps working for the next file.
  assert.equal(await refusal('valid.parquet'), undefined);
});

const run = (args: readonly string[]): Promise<CliRun> => runCli(args, { env: { ...process.env, NO_COLOR: '1', VECTORCLINIC_DEBUG: '' }, timeoutMs: 60_000 });

test('through the CLI: each corrupt file exits 2 with one message naming it and a byte or row', async () => {
  const cases: [string, RegExp][] = [
    ['wasm-panic.parquet', /\(row 0\): cannot decode row group 0/],
    ['lz4.feather', /\(byte \d+\): record batches are compressed/],
    ['children-2pow30.arrow', /\(byte 2004\): malformed Arrow footer/],
    ['zeroed-length.arrows', /\(byte 832\): an end-of-stream marker/],
  ];
  const runs = await Promise.all(cases.map(([name]) => run(['check', corrupt(name), '--format', 'json', '--quiet'])));
  cases.forEach(([name, message], i) => {
    const { code: status, stdout, stderr } = runs[i] as CliRun;
    const label = `${name}: ${stderr}`;
    assert.equal(status, 2, label);
    assert.equal(stdout, '', label);
    const [first, second, ...rest] = stderr.trimEnd().split('\n');
    assert.ok(first?.startsWith(`vectorclinic: ${corrupt(name)} (`), label);
    assert.match(first ?? '', message, label);
    assert.match(second ?? '', /^ {2}fix: /, label);
    assert.deepEqual(rest, [], label);
  });
});

test('anything escaping the command (a throw in a callback, an unawaited rejection) exits 3 with one line', async () => {
  const escaping = (code: string): string[] => ['--input-type=module', '-e', `const { installCrashHandler } = await import(${JSON.stringify(join(repoRoot, 'src/cli/crash-handler.ts'))}); installCrashHandler(); ${code}`];
  const runInline = (args: string[]): Promise<CliRun> => runTsx(args, { env: { ...process.env, VECTORCLINIC_DEBUG: '' } });
  const [thrown, rejected] = await Promise.all([runInline(escaping("setTimeout(() => { throw new TypeError('boom in a callback'); }, 1);")), runInline(escaping("Promise.reject(new Error('nobody awaited this'));"))]);
  for (const [result, text] of [
    [thrown, 'boom in a callback'],
    [rejected, 'nobody awaited this'],
  ] as const) {
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^vectorclinic: internal error \\(escaped the command\\): ${text}; this is a bug`));
  }
});
