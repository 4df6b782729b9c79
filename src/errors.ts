/**
 * One error family for everything the user can act on. `isInstance` works across duplicate
 * installs of the package (a Symbol.for marker instead of instanceof).
 */
const MARKER = Symbol.for('vectorclinic.error');

/** Process exit codes. 1 is reserved for "the check ran and found a fail". */
export const EXIT = {
  ok: 0,
  failFindings: 1,
  badInput: 2,
  internal: 3,
} as const;

export interface ErrorDetails {
  /** What was being read or used: a file path, a redacted store URL, an option name. */
  readonly where?: string;
  readonly byteOffset?: number | bigint;
  readonly row?: number;
  /** What the user can do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

export class VectorclinicError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `MARKER in value`, across duplicate installs
  private readonly [MARKER] = true;
  readonly exitCode: number = EXIT.badInput;
  readonly where?: string;
  readonly byteOffset?: number | bigint;
  readonly row?: number;
  readonly hint?: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.where = details.where;
    this.byteOffset = details.byteOffset;
    this.row = details.row;
    this.hint = details.hint;
  }

  static isInstance(error: unknown): error is VectorclinicError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** One line (two with a hint) for stderr: where, what, and what to do. */
  describe(): string {
    const position = [this.byteOffset !== undefined ? `byte ${this.byteOffset}` : undefined, this.row !== undefined ? `row ${this.row}` : undefined].filter(Boolean);
    const location = this.where ? `${this.where}${position.length ? ` (${position.join(', ')})` : ''}: ` : '';
    return `${location}${this.message}${this.hint ? `\n  fix: ${this.hint}` : ''}`;
  }
}

/** Wrong flags or arguments. */
export class UsageError extends VectorclinicError {}

/** A file or store that cannot be read as what it claims to be. */
export class InputError extends VectorclinicError {}

/** A store that cannot be reached or queried (connection, permission, missing table). */
export class StoreError extends VectorclinicError {}
