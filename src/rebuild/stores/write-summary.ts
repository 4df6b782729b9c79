import type { CleanedRows } from '../prepare.js';
import type { RebuildResult } from '../types.js';

type Applied = NonNullable<RebuildResult['applied']>;

/** What a store writer reports once its rows are written, before timing is added. */
export interface WriteSummary {
  readonly accepted: number;
  readonly rejected: number;
  readonly cleaned: CleanedRows;
  readonly ntotal: number;
  /** Where the manifest went. */
  readonly manifest: string;
  /** Which column or key the application finds rows by. */
  readonly ids: string;
  /** Leftovers of an interrupted earlier rebuild that this one removed (LanceDB's staging tables). */
  readonly staleTempsRemoved?: readonly string[];
}

/** The `applied` part of a store rebuild's result: the same fields for every engine. */
export function writeSummary(written: WriteSummary): Omit<Applied, 'seconds'> {
  const { cleaned } = written;
  return {
    accepted: written.accepted,
    rejected: written.rejected,
    duplicatesRemoved: cleaned.cleaning.duplicatesRemoved,
    boilerplateMasked: cleaned.cleaning.boilerplateMasked,
    rowsWritten: cleaned.count,
    ntotal: written.ntotal,
    manifest: written.manifest,
    ids: written.ids,
    staleTempsRemoved: written.staleTempsRemoved ?? [],
  };
}
