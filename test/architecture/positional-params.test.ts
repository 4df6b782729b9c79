import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longParameterLists, longParameterListsIn } from '../../scripts/positional-params.js';

/**
 * More positional parameters than this and a call site is a row of numbers to line up by position:
 * take an options object (or positional essentials plus one options object) instead.
 * `npx tsx scripts/positional-params.ts 5` lists the offenders.
 */
const MAX_POSITIONAL = 5;

/** `file:name` of the functions still allowed more, each with why. The list may only shrink. */
const ALLOWED = new Map<string, string>([
  // WebAssembly exports: the ABI is positional (pointers and lengths), called only by the typed wrappers.
  ['src/math/exact-top-k.ts:TopKExports.search', 'WASM ABI'],
  ['src/math/kernels-wasm.ts:KernelExports.scan_rows', 'WASM ABI'],
  ['src/math/kernels-wasm.ts:KernelExports.dot', 'WASM ABI'],
]);

test(`no function in src/ takes more than ${MAX_POSITIONAL} positional parameters (outside the commented allow-list)`, () => {
  const found = longParameterLists(MAX_POSITIONAL);
  const keys = new Set(found.map((entry) => `${entry.file}:${entry.name}`));
  const offenders = found.filter((entry) => !ALLOWED.has(`${entry.file}:${entry.name}`)).map((entry) => `${entry.file}:${entry.line} ${entry.name} (${entry.count})`);
  assert.deepEqual(offenders, [], `take an options object instead of ${MAX_POSITIONAL}+ positional parameters (docs/architecture.md):\n${offenders.join('\n')}`);
  const stale = [...ALLOWED.keys()].filter((key) => !keys.has(key));
  assert.deepEqual(stale, [], `these no longer take more than ${MAX_POSITIONAL} positional parameters: remove them from ALLOWED`);
});

test('the ratchet sees every kind of function (a planted one of each)', () => {
  const planted = [
    'export function planted(a: number, b: number, c: number, d: number, e: number, f: number): void {}',
    'const arrow = (a: number, b: number, c: number, d: number, e: number, f: number) => a;',
    'class Holder { method(a: number, b: number, c: number, d: number, e: number, f: number): void {} }',
    'class Built { constructor(private readonly a: number, b: number, c: number, d: number, e: number, f = 1) {} }',
    'interface Api { call(a: number, b: number, c: number, d: number, e: number, f: number): void }',
    'items.forEach(function (a, b, c, d, e, f) {});',
  ].join('\n');
  const found = longParameterListsIn({ file: 'planted.ts', text: planted, limit: MAX_POSITIONAL });
  assert.deepEqual(
    found.map((entry) => `${entry.line} ${entry.name} ${entry.count}`),
    ['1 planted 6', '2 arrow 6', '3 Holder.method 6', '4 Built.constructor 6', '5 Api.call 6', '6 <anonymous> 6'],
  );
  // A `this` annotation is no parameter a caller lines up; five are within the limit.
  const within = 'function ok(this: Window, a: number, b: number, c: number, d: number, e: number): void {}';
  assert.deepEqual(longParameterListsIn({ file: 'ok.ts', text: within, limit: MAX_POSITIONAL }), []);
});
