import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type CliRun, runCli } from '../helpers/cli.js';
import { columnar } from './columnar.js';
import { fixtures } from './helpers.js';
import { patchArrowBatchRows, patchParquetRowCount } from './patch.js';

/**
 * The bad-input suite through the real CLI: every broken file must exit 2 with one clear message
 * on stderr (the file, a byte offset or row, and a fix), no stack trace, no hang.
 */

/** Generous: a spawn with tsx takes ~1.5 s here, several run at once on 2 shared cores. */
const CASE_TIMEOUT_MS = 30_000;
const PARALLEL_CLI_RUNS = 3;

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-bad-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface BadInput {
  readonly format: string;
  readonly fault: 'truncated' | 'wrong magic' | 'claims 10^12 rows' | 'object dtype' | 'empty';
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly message: RegExp;
  readonly args?: readonly string[];
}

const npyFixture = readFileSync(join(fixtures, 'npy/v1-f4.npy'));
const fvecs = fvecsBytes(6, 16);
const bvecs = bvecsBytes(6, 16);
const jsonl = Buffer.from(Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: i, embedding: [i, 0.5, -0.25, 1] })).join('\n') + '\n');
const parquet = readFileSync(columnar('fixed-f32.parquet'));
const arrowFile = readFileSync(columnar('fixed-f32.arrow'));

const cases: BadInput[] = [
  { format: 'npy', fault: 'truncated', name: 'cut.npy', bytes: npyFixture.subarray(0, npyFixture.length - 1000), message: /header claims 48 × 128 <f4 values \(24576 bytes\) but only 23576 bytes follow/ },
  { format: 'npy', fault: 'wrong magic', name: 'magic.npy', bytes: withBytes(npyFixture, 0, [0x94]), message: /not a \.npy file/ },
  { format: 'npy', fault: 'claims 10^12 rows', name: 'claims.npy', bytes: npyClaiming(npyFixture, '1000000000000'), message: /header claims 1000000000000 × 128/ },
  { format: 'npy', fault: 'object dtype', name: 'object.npy', bytes: readFileSync(join(fixtures, 'npy/object.npy')), message: /dtype '\|O' holds Python objects/ },
  { format: 'fvecs', fault: 'truncated', name: 'cut.fvecs', bytes: fvecs.subarray(0, fvecs.length - 10), message: /the last row is cut off/ },
  { format: 'fvecs', fault: 'wrong magic', name: 'magic.fvecs', bytes: withBytes(fvecs, 0, [0x41, 0x42, 0x43, 0x44]), message: /first row declares dimension 1145258561/ },
  { format: 'fvecs', fault: 'claims 10^12 rows', name: 'claims.fvecs', bytes: withBytes(fvecs, 0, [0xff, 0xff, 0xff, 0x7f]), message: /first row declares dimension 2147483647/ },
  { format: 'bvecs', fault: 'truncated', name: 'cut.bvecs', bytes: bvecs.subarray(0, bvecs.length - 3), message: /the last row is cut off/ },
  { format: 'bvecs', fault: 'wrong magic', name: 'magic.bvecs', bytes: withBytes(bvecs, 0, [0x41, 0x42, 0x43, 0x44]), message: /first row declares dimension 1145258561/ },
  { format: 'jsonl', fault: 'truncated', name: 'cut.jsonl', bytes: jsonl.subarray(0, jsonl.length - 8), message: /line 6 is not valid JSON/ },
  // Binary bytes that no format sniffs as its own (a .npy would be read as .npy: magic wins).
  { format: 'jsonl', fault: 'wrong magic', name: 'binary.jsonl', bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256), message: /line 1 is not valid JSON/ },
  {
    format: 'jsonl',
    fault: 'object dtype',
    name: 'strings.jsonl',
    bytes: Buffer.from('{"embedding": "0.1,0.2"}\n{"embedding": "0.3,0.4"}\n'),
    message: /field 'embedding' holds the string "0\.1,0\.2", not an array of numbers/,
    args: ['--field', 'embedding'],
  },
  { format: 'parquet', fault: 'truncated', name: 'cut.parquet', bytes: parquet.subarray(0, 100_000), message: /does not end with the PAR1 footer/ },
  { format: 'parquet', fault: 'wrong magic', name: 'magic.parquet', bytes: withBytes(parquet, 0, [0x50, 0x41, 0x52, 0x58]), message: /missing the PAR1 magic/ },
  { format: 'parquet', fault: 'claims 10^12 rows', name: 'claims.parquet', bytes: patchParquetRowCount(parquet, 240, 1e12), message: /footer claims 1000000000000 rows but its row groups hold 240/ },
  {
    format: 'parquet',
    fault: 'object dtype',
    name: 'strings.parquet',
    bytes: readFileSync(columnar('no-vectors.parquet')),
    message: /column 'text' is Dictionary<Int32, Utf8>, not a list of float/,
    args: ['--field', 'text'],
  },
  { format: 'arrow', fault: 'truncated', name: 'cut.arrow', bytes: arrowFile.subarray(0, 90_000), message: /does not end with the ARROW1 footer/ },
  { format: 'arrow', fault: 'wrong magic', name: 'magic.arrow', bytes: withBytes(arrowFile, 0, [0x41, 0x52, 0x52, 0x4f, 0x57, 0x32]), message: /not an Arrow IPC file/ },
  { format: 'arrow', fault: 'claims 10^12 rows', name: 'claims.arrow', bytes: patchArrowBatchRows(arrowFile, 80, 1e12), message: /record batch 0 claims 1000000000000 rows/ },
  { format: 'arrow', fault: 'object dtype', name: 'strings.arrow', bytes: arrowFile, message: /column 'id' is Utf8, not a list of float/, args: ['--field', 'id'] },
  ...['npy', 'fvecs', 'bvecs', 'jsonl', 'parquet', 'arrow'].map((format) => ({ format, fault: 'empty' as const, name: `empty.${format}`, bytes: new Uint8Array(0), message: /file is empty \(0 bytes\)/ })),
];

/** Formats where a fault cannot occur, and why (the closest real fault is tested instead). */
const notApplicable: Record<string, string> = {
  'fvecs object dtype': 'fvecs stores float32 only',
  'bvecs object dtype': 'bvecs stores uint8 only',
  'bvecs claims 10^12 rows': 'no row count is stored (rows = size / row size); the dimension claim is tested for fvecs',
  'jsonl claims 10^12 rows': 'JSONL stores no row count; rows are counted by the line index',
};

interface TimedRun extends CliRun {
  readonly milliseconds: number;
}

async function runCheck(args: readonly string[]): Promise<TimedRun> {
  const started = performance.now();
  const run = await runCli(['check', ...args], { env: { ...process.env, NO_COLOR: '1', VECTORCLINIC_DEBUG: '' }, timeoutMs: CASE_TIMEOUT_MS });
  return { ...run, milliseconds: performance.now() - started };
}

/** Run all cases, a few at a time: each is a separate node process. */
const results = (async () => {
  const out = new Map<BadInput, TimedRun>();
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const path = join(dir, next.name);
      writeFileSync(path, next.bytes);
      out.set(next, await runCheck([path, ...(next.args ?? [])]));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_CLI_RUNS }, worker));
  return out;
})();

for (const format of ['npy', 'fvecs', 'bvecs', 'jsonl', 'parquet', 'arrow']) {
  test(`bad ${format} files exit 2 with one clear message`, async () => {
    const runs = await results;
    const faults = ['truncated', 'wrong magic', 'claims 10^12 rows', 'object dtype', 'empty'];
    for (const fault of faults) {
      const badInput = cases.find((c) => c.format === format && c.fault === fault);
      if (!badInput) {
        assert.ok(notApplicable[`${format} ${fault}`], `${format}: a case or a reason for '${fault}'`);
        continue;
      }
      const run = runs.get(badInput) as TimedRun;
      const label = `${format} ${fault}: ${JSON.stringify(run.stderr)}`;
      assert.equal(run.code, 2, label);
      assert.equal(run.stdout, '', label);
      const lines = run.stderr.trimEnd().split('\n');
      assert.ok(lines.length <= 2, `one message (and its fix): ${label}`);
      const path = join(dir, badInput.name);
      assert.ok(lines[0]?.startsWith(`vectorclinic: ${path} (`), `names the file first: ${label}`);
      assert.match(lines[0] ?? '', /\((byte \d+|row \d+|byte \d+, row \d+)\): /, `gives a byte offset or row: ${label}`);
      assert.match(lines[0] ?? '', badInput.message, label);
      if (lines[1]) assert.match(lines[1], /^ {2}fix: \S/, label);
      assert.doesNotMatch(run.stderr, /^\s+at |internal error|Error:/m, `no stack trace: ${label}`);
      assert.ok(run.milliseconds < CASE_TIMEOUT_MS, `no hang: ${label}`);
    }
  });
}

function withBytes(source: Uint8Array, at: number, bytes: readonly number[]): Uint8Array {
  const out = Uint8Array.from(source);
  out.set(bytes, at);
  return out;
}

/** The same .npy with its shape's row count replaced (the header is re-padded to its old length). */
function npyClaiming(source: Buffer, rows: string): Uint8Array {
  const headerLength = source.readUInt16LE(8);
  const header = source.subarray(10, 10 + headerLength).toString('latin1');
  const patched = header.replace(/'shape': \((\d+),/, `'shape': (${rows},`).trimEnd();
  const padded = `${patched.padEnd(headerLength - 1, ' ')}\n`;
  assert.equal(padded.length, headerLength);
  return Buffer.concat([source.subarray(0, 10), Buffer.from(padded, 'latin1'), source.subarray(10 + headerLength)]);
}

function fvecsBytes(rows: number, dim: number): Buffer {
  const out = Buffer.alloc(rows * (4 + 4 * dim));
  for (let row = 0; row < rows; row++) {
    out.writeInt32LE(dim, row * (4 + 4 * dim));
    for (let j = 0; j < dim; j++) out.writeFloatLE(Math.sin(row * dim + j), row * (4 + 4 * dim) + 4 + 4 * j);
  }
  return out;
}

function bvecsBytes(rows: number, dim: number): Buffer {
  const out = Buffer.alloc(rows * (4 + dim));
  for (let row = 0; row < rows; row++) {
    out.writeInt32LE(dim, row * (4 + dim));
    for (let j = 0; j < dim; j++) out.writeUInt8((row * dim + j) % 256, row * (4 + dim) + 4 + j);
  }
  return out;
}
