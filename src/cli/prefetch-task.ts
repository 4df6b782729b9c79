/** What the read-ahead thread is given (see prefetch.ts), shared by both sides. */
export interface PrefetchTask {
  readonly path: string;
  /** Bytes of the file. */
  readonly size: number;
  /** How far ahead of the scan it may read, in bytes. */
  readonly window: number;
  readonly blockBytes: number;
  /** Int32 words: STOP (set to end it), KIB_READ (how far it has read), SCAN_KIB (how far the scan has), in KiB. */
  readonly control: SharedArrayBuffer;
}

export const STOP = 0;
export const KIB_READ = 1;
export const SCAN_KIB = 2;
export const PREFETCH_CONTROL_WORDS = 3;
