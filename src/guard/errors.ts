import { InputError, type ErrorDetails } from '../errors.js';
import type { RejectCause, RowId } from './types.js';

/** Raised in onBad 'throw' mode: the batch is refused whole, nothing from it was accepted. */
export class BadRowError extends InputError {
  /** Why the first bad row was refused (`cause` is taken by Error). */
  readonly reason: RejectCause;
  readonly id: RowId;
  readonly batchId: string;

  constructor(message: string, details: ErrorDetails & { readonly reason: RejectCause; readonly id: RowId; readonly batchId: string }) {
    super(message, details);
    this.reason = details.reason;
    this.id = details.id;
    this.batchId = details.batchId;
  }
}
