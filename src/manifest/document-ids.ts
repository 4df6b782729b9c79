import { count } from '../core/format.js';
import { InputError } from '../errors.js';
import { readIdColumn, readIdSidecar, type RowIds } from './ids.js';
import { manifestFilePath, type LoadedManifest } from './manifest.js';
import type { StoreManifest } from './schema.js';

/** The document ids of a file's rows, and where they came from (for plans and messages). */
export interface DocumentIds {
  /** Per row: its id, then ids folded into it by a deduplicating rebuild. Undefined: rows are known by their row numbers. */
  readonly ids?: RowIds;
  readonly origin: string;
  /** Set when the ids are row numbers of an earlier file (a guard or rebuild given no ids): which file, how many rows. */
  readonly rowNumbersOf?: RowNumbersOf;
}

export type RowNumbersOf = NonNullable<NonNullable<StoreManifest['ids']>['rowNumbersOf']>;

/**
 * Which id each row of a file carries. A file written by `guard` or `rebuild` names its id list in
 * its manifest, and that list is used without `--ids`. `--ids` gives one id per row; when the list
 * holds row numbers of an earlier file (a guard given no ids), it may instead give one id per row of
 * that file, and each row's number is looked up in it. Any other count is an error.
 */
export function documentIdsFor(loaded: LoadedManifest | undefined, rows: number, options: { readonly ids?: string; readonly idField?: string }): DocumentIds {
  const recorded = loaded?.status === 'ok' ? loaded.manifest.ids : undefined;
  const listPath = loaded && recorded ? manifestFilePath(loaded.path, recorded) : undefined;
  const list = listPath ? readIdSidecar(listPath) : undefined;
  if (list && list.length !== rows) {
    throw new InputError(`the id list names ${count(list.length)} rows, the file holds ${count(rows)}`, {
      where: listPath,
      hint: 'the file was replaced without its manifest (an interrupted run?): re-run the guard or rebuild that wrote it',
    });
  }
  const numbersOf = recorded?.rowNumbersOf;
  if (!options.ids) {
    if (!list) return { origin: 'row numbers (no --ids)' };
    return {
      ids: list,
      origin: numbersOf ? `row numbers of ${numbersOf.source} (the id list in the manifest; no ids were given to the run that wrote it)` : `the id list in the manifest (${recorded?.file})`,
      ...(numbersOf ? { rowNumbersOf: numbersOf } : {}),
    };
  }
  const given = readIdColumn(options.ids, options.idField);
  if (given.length === rows) return { ids: given.map((id) => [id]), origin: `the ids in ${options.ids}` };
  if (list && numbersOf && given.length === numbersOf.rows) {
    return { ids: list.map((entry) => entry.map((row) => given[Number(row)] as string)), origin: `the ids in ${options.ids}, for the rows of ${numbersOf.source} this file kept` };
  }
  const alternative = list && numbersOf ? `, or ${count(numbersOf.rows)} (one per row of ${numbersOf.source}, whose rows this file kept)` : '';
  throw new InputError(`the id file has ${count(given.length)} ids for ${count(rows)} rows`, {
    where: options.ids,
    hint: `give one id line per row, in the same order: ${count(rows)} lines${alternative}`,
  });
}
