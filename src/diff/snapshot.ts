import { InputError } from '../errors.js';
import { readIdColumn, readIdSidecar } from '../manifest/ids.js';
import { manifestFilePath, readManifest, type LoadedManifest } from '../manifest/manifest.js';
import { openSource } from '../sources/open-source.js';
import type { SourceDescription, VectorSource } from '../sources/source.js';

/** One side of a diff: the open source, what it says about itself, its manifest and its row ids. */
export interface Snapshot {
  readonly target: string;
  readonly source: VectorSource;
  readonly description: SourceDescription;
  readonly manifest?: LoadedManifest;
  /** Id of each row (row order); undefined: rows are paired by row number (store key order). */
  readonly ids?: readonly string[];
}

export async function openSnapshot(target: string, idsFile: string | undefined, idField: string): Promise<Snapshot> {
  const fileManifest = readManifest(target);
  const source = await openSource(target, fileManifest ? { metric: fileManifest.manifest.metric } : {});
  try {
    const description = await source.describe();
    const manifest = fileManifest ?? (await source.storedManifest?.());
    const ids = rowIds(idsFile, idField, manifest, description.rows);
    return { target, source, description, ...(manifest ? { manifest } : {}), ...(ids ? { ids } : {}) };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** --ids / --after-ids first, then the id list a rebuild recorded; one id per stored row. */
function rowIds(idsFile: string | undefined, idField: string, loaded: LoadedManifest | undefined, rows: number): string[] | undefined {
  if (idsFile) {
    const ids = readIdColumn(idsFile, idField);
    if (ids.length !== rows) throw new InputError(`the id file has ${ids.length} ids for ${rows} rows`, { where: idsFile, hint: 'one id line per stored row, in the same order' });
    return ids;
  }
  const sidecar = loaded?.manifest.ids;
  if (!loaded || !sidecar) return undefined;
  const ids = readIdSidecar(manifestFilePath(loaded.path, sidecar));
  if (ids.length !== rows) return undefined;
  return ids.map((aliases) => aliases[0] ?? '');
}

/** Rows of both snapshots that hold the same id (or row number), in before's row order. */
export interface Pairing {
  readonly by: 'id' | 'row';
  readonly before: Int32Array;
  readonly after: Int32Array;
  /** Ids only in before / only in after (id pairing). */
  readonly onlyBefore: number;
  readonly onlyAfter: number;
  /** Ids that occur more than once on a side (only their first row is paired). */
  readonly repeated: number;
}

export function pairRows(before: Snapshot, after: Snapshot): Pairing {
  if (!before.ids && !after.ids) {
    const count = Math.min(before.description.rows, after.description.rows);
    const rows = Int32Array.from({ length: count }, (_, i) => i);
    return { by: 'row', before: rows, after: rows, onlyBefore: before.description.rows - count, onlyAfter: after.description.rows - count, repeated: 0 };
  }
  const idOf = (snapshot: Snapshot, row: number): string => snapshot.ids?.[row] ?? String(row);
  const afterRows = new Map<string, number>();
  let repeated = 0;
  for (let row = 0; row < after.description.rows; row++) {
    const id = idOf(after, row);
    if (afterRows.has(id)) repeated++;
    else afterRows.set(id, row);
  }
  const pairedBefore: number[] = [];
  const pairedAfter: number[] = [];
  const seen = new Set<string>();
  for (let row = 0; row < before.description.rows; row++) {
    const id = idOf(before, row);
    if (seen.has(id)) {
      repeated++;
      continue;
    }
    seen.add(id);
    const match = afterRows.get(id);
    if (match === undefined) continue;
    pairedBefore.push(row);
    pairedAfter.push(match);
  }
  return {
    by: 'id',
    before: Int32Array.from(pairedBefore),
    after: Int32Array.from(pairedAfter),
    onlyBefore: seen.size - pairedBefore.length,
    onlyAfter: afterRows.size - pairedAfter.length,
    repeated,
  };
}

/** The given rows (any order, distinct), read in ascending order and returned in the order asked. */
export async function readRowsInOrder(source: VectorSource, rows: ArrayLike<number>, dim: number): Promise<{ data: Float32Array; valid: Uint8Array }> {
  const order = Array.from(rows, (row, i) => ({ row, i })).sort((a, b) => a.row - b.row);
  const block = await source.readRows(order.map((entry) => entry.row));
  const data = new Float32Array(rows.length * dim);
  const valid = new Uint8Array(rows.length);
  const position = new Map<number, number>();
  order.forEach((entry) => position.set(entry.row, entry.i));
  for (let r = 0; r < block.count; r++) {
    const row = block.rows ? (block.rows[r] as number) : block.start + r;
    const target = position.get(row);
    if (target === undefined) continue;
    data.set(block.data.subarray(r * dim, (r + 1) * dim), target * dim);
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (block.data[r * dim + j] as number) ** 2;
    valid[target] = norm > 0 && Number.isFinite(norm) ? 1 : 0;
  }
  return { data, valid };
}
