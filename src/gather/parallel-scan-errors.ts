import { InputError, StoreError, UsageError, VectorclinicError } from '../errors.js';

/**
 * Errors crossing from a parallel-scan worker to the main thread. Structured clone turns any
 * error into a plain Error (subclass and own fields lost), so a VectorclinicError travels as its
 * fields and is rebuilt as the same subclass: the CLI then reports it as a sequential scan would.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly vectorclinic: boolean;
  readonly where?: string;
  readonly byteOffset?: number | bigint;
  readonly row?: number;
  readonly hint?: string;
  readonly stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (VectorclinicError.isInstance(error)) {
    return {
      name: error.name,
      message: error.message,
      vectorclinic: true,
      ...(error.where !== undefined ? { where: error.where } : {}),
      ...(error.byteOffset !== undefined ? { byteOffset: error.byteOffset } : {}),
      ...(error.row !== undefined ? { row: error.row } : {}),
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
    };
  }
  const plain = error instanceof Error ? error : new Error(String(error));
  return { name: plain.name, message: plain.message, vectorclinic: false, ...(plain.stack ? { stack: plain.stack } : {}) };
}

/** Rebuild a worker's error as the same class, so the CLI reports it exactly as a sequential scan would. */
export function deserializeError(error: SerializedError): Error {
  if (error.vectorclinic) {
    const details = {
      ...(error.where !== undefined ? { where: error.where } : {}),
      ...(error.byteOffset !== undefined ? { byteOffset: error.byteOffset } : {}),
      ...(error.row !== undefined ? { row: error.row } : {}),
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
    };
    const ErrorClass = { InputError, StoreError, UsageError }[error.name] ?? VectorclinicError;
    return new ErrorClass(error.message, details);
  }
  const rebuilt = new Error(`parallel scan worker: ${error.message}`);
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}
