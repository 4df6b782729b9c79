import { EXIT, VectorclinicError } from '../errors.js';
import { errorReason } from '../sources/files/error-text.js';
import { isContainedWasmTrap } from '../sources/files/wasm-panics.js';

/**
 * Anything thrown outside the awaited command (a callback, a microtask, a rejected promise nobody
 * awaits) would make Node print a stack and exit 1, which CI reads as "the check found a fail".
 * Instead: one line on stderr and exit 3 (2 for an input error that escaped with its message).
 */
export function installCrashHandler(stderr: NodeJS.WritableStream = process.stderr): void {
  const crash = (error: unknown): void => {
    // Reported as the rejection of the WASM call that trapped (exit 2 naming the file).
    if (isContainedWasmTrap(error)) return;
    if (VectorclinicError.isInstance(error)) {
      stderr.write(`vectorclinic: ${error.describe()}\n`);
      process.exit(error.exitCode);
    }
    const detail = process.env.VECTORCLINIC_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
    stderr.write(`vectorclinic: internal error (escaped the command): ${errorReason(error)}; this is a bug in vectorclinic, set VECTORCLINIC_DEBUG=1 for the stack trace and report it${detail}\n`);
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
