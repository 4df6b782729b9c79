import { EXIT, VectorclinicError } from '../errors.js';

/**
 * Print an error the way users need it: one clear message (where, what, fix) and no stack trace
 * for anything they can act on; a short internal-error notice with the stack for our bugs.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (VectorclinicError.isInstance(error)) {
    stderr.write(`vectorclinic: ${error.describe()}\n`);
    return error.exitCode;
  }
  if (error instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(error.message)) {
    stderr.write(`vectorclinic: not enough memory for this input (${error.message}); try a smaller --sample\n`);
    return EXIT.badInput;
  }
  const detail = error instanceof Error ? (process.env.VECTORCLINIC_DEBUG ? error.stack : error.message) : String(error);
  stderr.write(`vectorclinic: internal error: ${detail}\n  this is a bug in vectorclinic; set VECTORCLINIC_DEBUG=1 for the stack trace and report it\n`);
  return EXIT.internal;
}
