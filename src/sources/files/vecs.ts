import { InputError } from '../../errors.js';
import type { ElementType } from './decode.js';
import { FixedRowSource } from './fixed-row-source.js';
import { LocalFile } from './local-file.js';
import { normToleranceFor } from './norm-tolerance.js';

/** Dimensions above this are not embeddings; a larger prefix means the file is not .fvecs/.bvecs. */
const MAX_DIM = 1 << 16;

/**
 * .fvecs (int32 dim + dim float32 per row) and .bvecs (int32 dim + dim uint8 per row), the
 * TEXMEX/ANN-benchmarks formats. Every row repeats its dimension; a row that disagrees is corrupt.
 */
export function openVecs(path: string, kind: 'fvecs' | 'bvecs'): FixedRowSource {
  const file = LocalFile.open(path);
  try {
    const element: ElementType =
      kind === 'fvecs' ? { storage: 'float32', bytes: 4, littleEndian: true } : { storage: 'uint8', bytes: 1, littleEndian: true };
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
    if (file.size % rowStride !== 0) {
      const rows = Math.floor(file.size / rowStride);
      throw new InputError(
        `file size ${file.size} is not a multiple of the row size ${rowStride} (4 + ${dim} × ${element.bytes}); the last row is cut off`,
        { where: path, byteOffset: rows * rowStride, row: rows, hint: 'the file is truncated or mixes dimensions; re-export it' },
      );
    }
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
