/**
 * parquet-wasm runs its async work as wasm-bindgen futures, polled from microtasks. A Rust panic
 * there (`RuntimeError: unreachable` on a corrupt page) is thrown from that microtask, not into the
 * promise being awaited, which then never settles: Node reports an uncaught exception and exits 1,
 * the exit code CI reads as "the check found a fail". While a WASM call is awaited here, such a
 * panic is caught process-wide and becomes the rejection of that call instead.
 */

type Reject = (panic: Error) => void;
const waiting = new Set<Reject>();
/** Traps turned into a rejection here: a process-level handler must leave them alone. */
const contained = new WeakSet<object>();
let capturing = false;

/** tsconfig's lib has no DOM, where the WebAssembly types live. */
const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } };

/** A WebAssembly trap (panic, out-of-bounds access, stack overflow) from any module. */
export function isWasmTrap(error: unknown): error is Error {
  return error instanceof wasmApi.RuntimeError;
}

/** True when `error` escaped a WASM call awaited in containWasmTraps, which reports it. */
export function isContainedWasmTrap(error: unknown): boolean {
  return typeof error === 'object' && error !== null && contained.has(error);
}

/**
 * Installed as the uncaught-exception capture callback while a WASM call is awaited, so a trap
 * never reaches 'uncaughtException' listeners (a test runner would count it as a failure). Any
 * other error goes where it would have gone: the listeners, or Node's default (stack, exit 1).
 */
function capture(error: unknown): void {
  if (isWasmTrap(error) && waiting.size > 0) {
    contained.add(error);
    // A microtask does not say which call it belongs to: every call waiting now is failed.
    for (const reject of [...waiting]) reject(error);
    return;
  }
  if (process.listenerCount('uncaughtException') > 0) {
    const emit = process.emit.bind(process) as (event: string, ...values: unknown[]) => boolean;
    emit('uncaughtException', error, 'uncaughtException');
    return;
  }
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}

/**
 * Run `call` (which awaits WASM work); a WASM trap in it, caught or escaping through a microtask,
 * rejects with `toError(trap)`. Other errors pass through unchanged.
 */
export async function containWasmTraps<T>(call: () => Promise<T>, toError: (trap: Error) => Error): Promise<T> {
  let reject: Reject = () => {};
  const trapped = new Promise<never>((_, rejectPromise) => {
    reject = (trap) => rejectPromise(toError(trap));
  });
  // Someone else's capture callback wins: their handler sees the trap, isContainedWasmTrap stays false.
  if (waiting.size === 0 && !process.hasUncaughtExceptionCaptureCallback()) {
    try {
      process.setUncaughtExceptionCaptureCallback(capture);
      capturing = true;
    } catch {
      // The domain module forbids it: traps then reach the host's handlers as before.
    }
  }
  waiting.add(reject);
  try {
    return await Promise.race([call(), trapped]);
  } catch (error) {
    throw isWasmTrap(error) ? toError(error) : error;
  } finally {
    waiting.delete(reject);
    if (waiting.size === 0 && capturing) {
      process.setUncaughtExceptionCaptureCallback(null);
      capturing = false;
    }
  }
}
