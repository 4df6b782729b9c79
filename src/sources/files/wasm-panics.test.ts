import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containWasmTraps, isContainedWasmTrap, isWasmTrap } from './wasm-panics.js';

const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { RuntimeError: new (message: string) => Error } };
const asInputError = (trap: Error): Error => new Error(`contained: ${trap.message}`);

test('a trap thrown from a microtask rejects the awaited call instead of crashing the process', async () => {
  let escaped: Error | undefined;
  const pending = containWasmTraps(
    () =>
      new Promise<never>(() => {
        // What wasm-bindgen-futures does when the Rust future panics: the promise never settles.
        queueMicrotask(() => {
          escaped = new wasm.RuntimeError('unreachable');
          throw escaped;
        });
      }),
    asInputError,
  );
  await assert.rejects(pending, /contained: unreachable/);
  assert.ok(isWasmTrap(escaped) && isContainedWasmTrap(escaped));
  assert.equal(process.hasUncaughtExceptionCaptureCallback(), false, 'the capture callback is removed afterwards');
});

test('a trap thrown into the awaited promise is converted; other errors pass through unchanged', async () => {
  await assert.rejects(
    containWasmTraps(async () => {
      throw new wasm.RuntimeError('memory access out of bounds');
    }, asInputError),
    /contained: memory access out of bounds/,
  );
  const other = new TypeError('not a trap');
  await assert.rejects(
    containWasmTraps(async () => {
      throw other;
    }, asInputError),
    (error) => error === other,
  );
  assert.equal(await containWasmTraps(async () => 42, asInputError), 42);
});

test('concurrent calls: a trap rejects every call waiting at that moment', async () => {
  const hang = (): Promise<never> => new Promise<never>(() => {});
  const first = containWasmTraps(hang, asInputError);
  const second = containWasmTraps(
    () =>
      new Promise<never>(() => {
        setTimeout(() => {
          throw new wasm.RuntimeError('unreachable');
        }, 5);
      }),
    asInputError,
  );
  await Promise.all([assert.rejects(first, /contained/), assert.rejects(second, /contained/)]);
  assert.equal(process.hasUncaughtExceptionCaptureCallback(), false);
});
