import type { Segment } from '../sources/source.js';
import type { CheckSettings } from './artifacts.js';
import type { Reopen } from './reopen-source.js';

/**
 * The rows a full scan will sample, announced before the scan starts, so that another thread can
 * read them on its own (from the page cache) and work on them while the scan runs. The scan still
 * collects its own copy; work done on the early one counts only if the two are identical.
 */
export interface SamplePlan {
  readonly reopen: Reopen;
  /** Sampled row numbers, ascending. */
  readonly rows: readonly number[];
  /** What the scan saw when it opened the source (a reader of the early sample checks them). */
  readonly totalRows: number;
  readonly dim: number;
  readonly storageBytes: number;
  readonly segments: readonly Segment[];
  /** The settings the artifacts will carry when every sampled row decodes. */
  readonly settings: CheckSettings;
  /** Whether the file already reads at page-cache speed (probed once per process). */
  inPageCache(): boolean;
}
