import { InputError } from '../../errors.js';
import type { ElementType } from '../../io/decode.js';
import { MAX_DIM } from './dimension-limit.js';
import { FixedRowSource } from './fixed-row-source.js';
import { LocalFile } from './local-file.js';
import { normToleranceFor } from './norm-tolerance.js';

/**
 * .fvecs (int32 dim + dim float32 per row) and .bvecs (int32 dim + dim uint8 per row), the
 * TEXMEX/ANN-benchmarks formats. Every row repeats its dimension; a row that disagrees is corrupt.
 */
export function openVecs(path: string, kind: 'fvecs' | 'bvecs'): FixedRowSource {
  const file = LocalFile.open(path);
  try {
    const element: ElementType = kind === 'fvecs' ? { storage: 'float32', bytes: 4, littleEndian: true } : { storage: 'uint8', bytes: 1, littleEndian: true };
    if (file.size === 0) {
      return new FixedRowSource(file, { dataOffset: 0, rows: 0, dim: 0, element, rowStride: 4, rowPrefix: 4 }, describe(path, kind, 0, 0, element));
    }
    if (file.size < 4) throw new InputError(`too short to be a .${kind} file (${file.size} bytes)`, { where: path, byteOffset: 0 });
    const dim = new DataView(file.read(0, 4).buffer).getInt32(0, true);
    if (dim <= 0 || dim > MAX_DIM) {
      throw new InputError(`first row declares dimension ${dim}`, {
        where: path,
        byteOffset: 0,
        hint: `a .${kind} row starts with its dimension as int32 (1..${MAX_DIM}); is this really a .${kind} file?`,
      });
    }
    const rowStride = 4 + dim * element.bytes;
    if (file.size % rowStride !== 0) throw sizeError(file, kind, dim, rowStride);
    const rows = file.size / rowStride;
    const checkPrefix = (bytes: Uint8Array, offset: number, row: number, fileOffset: number): void => {
      const rowDim = (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8) | ((bytes[offset + 2] as number) << 16) | ((bytes[offset + 3] as number) << 24);
      if (rowDim !== dim) {
        throw new InputError(`row declares dimension ${rowDim}, the first row ${dim}`, {
          where: path,
          byteOffset: fileOffset,
          row,
          hint: `every .${kind} row must have the same dimension; the file is corrupt or concatenates different models`,
        });
      }
    };
    return new FixedRowSource(file, { dataOffset: 0, rows, dim, element, rowStride, rowPrefix: 4, checkPrefix }, describe(path, kind, rows, dim, element));
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Bytes read at a time while looking for the row that breaks the layout. */
const PREFIX_SCAN_BYTES = 8 << 20;

/**
 * The file is not a whole number of rows: either the last row is cut off (its prefix still reads
 * `dim`) or some row has another dimension, found by walking the row prefixes (error path only).
 */
function sizeError(file: LocalFile, kind: string, dim: number, rowStride: number): InputError {
  const wholeRows = Math.floor(file.size / rowStride);
  const mismatch = () => `file size ${file.size} is not a multiple of the row size ${rowStride} (4 + ${dim} values)`;
  const lastPrefix = file.size - wholeRows * rowStride >= 4 ? new DataView(file.read(wholeRows * rowStride, 4).buffer).getInt32(0, true) : dim;
  if (lastPrefix === dim) {
    return new InputError(`${mismatch()}: the last row is cut off`, {
      where: file.path,
      byteOffset: wholeRows * rowStride,
      row: wholeRows,
      hint: 'the file is truncated (the writer did not finish); re-export it',
    });
  }
  const rowsPerRead = Math.max(1, Math.floor(PREFIX_SCAN_BYTES / rowStride));
  for (let first = 0; first < wholeRows; first += rowsPerRead) {
    const count = Math.min(rowsPerRead, wholeRows - first);
    const view = new DataView(file.read(first * rowStride, (count - 1) * rowStride + 4, `rows ${first}..`).buffer);
    for (let i = 0; i < count; i++) {
      const declared = view.getInt32(i * rowStride, true);
      if (declared === dim) continue;
      return new InputError(`${mismatch()}: row ${first + i} declares dimension ${declared}, the first row ${dim}`, {
        where: file.path,
        byteOffset: (first + i) * rowStride,
        row: first + i,
        hint: `every .${kind} row must have the same dimension; the file concatenates vectors of different models or is corrupt`,
      });
    }
  }
  return new InputError(`${mismatch()}: the data after row ${wholeRows - 1} is not a whole row`, {
    where: file.path,
    byteOffset: wholeRows * rowStride,
    row: wholeRows,
    hint: 'the file is truncated or corrupt; re-export it',
  });
}

function describe(path: string, kind: string, rows: number, dim: number, element: ElementType) {
  return {
    kind,
    target: path,
    rows,
    rowsExact: true,
    dim,
    storage: { type: element.storage, bytes: rows * (4 + dim * element.bytes), lossy: false },
    normTolerance: normToleranceFor(element.storage, dim),
    local: true,
  };
}
