import { InputError } from '../../errors.js';
import type { LocalFile } from '../files/local-file.js';
import type { IdDescription } from '../source.js';
import { segmentRows, type ResolvedIndex, type RowLayout } from './row-layout.js';

/** Ids are kept in memory up to this many (256 MB of int64); beyond, the report says they were not read. */
export const MAX_IDS_IN_MEMORY = 1 << 25;
/** Ids are read in pieces of this many values, so a huge list never needs one huge buffer. */
const IDS_PER_READ = 1 << 16;

/**
 * The id FAISS returns for each row, in row order: an IVF's stored list ids (its labels), mapped
 * through every IndexIDMap around it. Undefined when no ids are stored (labels = row numbers).
 */
export function readRowIds(file: LocalFile, resolved: ResolvedIndex, layout: RowLayout): { readonly ids: IdDescription } | { readonly skipped: string } | undefined {
  const ivf = resolved.ivf;
  if (!ivf && resolved.idMaps.length === 0) return undefined;
  if (layout.rows > MAX_IDS_IN_MEMORY) return { skipped: `${layout.rows} ids are more than vectorclinic keeps in memory (${MAX_IDS_IN_MEMORY}): id checks skipped, search results are row numbers` };
  let labels: BigInt64Array;
  if (ivf) {
    labels = new BigInt64Array(layout.rows);
    for (let s = 0; s < layout.segmentStart.length; s++) {
      const list = layout.segmentList[s] as number;
      const start = layout.segmentStart[s] as number;
      readInt64(file, labels.subarray(start, start + segmentRows(layout, s)), { offset: ivf.lists.idsOffsets[list] as number, what: `the ids of inverted list ${list}` });
    }
  } else {
    labels = new BigInt64Array(layout.rows);
    for (let row = 0; row < layout.rows; row++) labels[row] = BigInt(row);
  }
  for (const idMap of resolved.idMaps) {
    const ntotal = idMap.header.ntotal;
    const map = new BigInt64Array(ntotal);
    readInt64(file, map, { offset: idMap.idsOffset, what: `the ids of ${idMap.className}` });
    for (let row = 0; row < labels.length; row++) {
      const label = labels[row] as bigint;
      if (label < 0n || label >= BigInt(ntotal)) {
        throw new InputError(`row ${row} has label ${label}, which ${idMap.className} (${ntotal} ids) cannot map`, {
          where: file.path,
          byteOffset: idMap.idsOffset,
          row,
          hint: 'the id map and the index inside it disagree: the file is corrupt',
        });
      }
      labels[row] = map[Number(label)] as bigint;
    }
  }
  // FAISS ids are signed 64-bit (idx_t) whether an IndexIDMap or an IVF's lists store them.
  const outer = resolved.idMaps[resolved.idMaps.length - 1];
  return { ids: { values: labels, kind: outer?.two ? 'idmap2' : 'idmap' } };
}

/** Fill `out` with the little-endian int64 values stored at `at.offset` (`at.what` names them in errors). */
function readInt64(file: LocalFile, out: BigInt64Array, at: { offset: number; what: string }): void {
  const { offset, what } = at;
  const count = out.length;
  for (let done = 0; done < count; done += IDS_PER_READ) {
    const n = Math.min(IDS_PER_READ, count - done);
    const bytes = file.read(offset + done * 8, n * 8, what);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[done + i] = view.getBigInt64(i * 8, true);
  }
}
