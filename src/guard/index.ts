export { createGuard } from './guard.js';
export { BadRowError } from './errors.js';
export { reconcile, type Reconciliation, type StoreCounts } from './reconcile.js';
export type * from './types.js';
