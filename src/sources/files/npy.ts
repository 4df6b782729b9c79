import { InputError } from '../../errors.js';
import type { ElementType } from '../../io/decode.js';
import { checkDimension } from './dimension-limit.js';
import { FixedRowSource } from './fixed-row-source.js';
import { LocalFile } from './local-file.js';
import { normToleranceFor } from './norm-tolerance.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy itself refuses headers above this size; a larger length field means a corrupt file. */
const MAX_HEADER_BYTES = 1 << 20;

export interface NpyHeader {
  readonly version: string;
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  readonly dataOffset: number;
}

/** Open a NumPy .npy file (format versions 1, 2, 3) holding a 2-D float array. */
export function openNpy(path: string): FixedRowSource {
  const file = LocalFile.open(path);
  try {
    const header = readNpyHeader(file);
    const element = elementTypeFor(header.descr, path);
    if (header.fortranOrder) {
      throw new InputError('array is stored in Fortran (column-major) order', {
        where: path,
        hint: 'rows are not contiguous; rewrite it with np.save(path, np.ascontiguousarray(X))',
      });
    }
    if (header.shape.length !== 2) {
      throw new InputError(`expected a 2-D array (rows × dim), found shape (${header.shape.join(', ')})`, {
        where: path,
        hint: header.shape.length === 1 ? 'a single vector: reshape it with X.reshape(1, -1)' : 'reshape to (rows, dim)',
      });
    }
    const [rows, dim] = header.shape as [number, number];
    const rowStride = dim * element.bytes;
    const needed = rows * rowStride;
    const available = file.size - header.dataOffset;
    if (dim === 0 && rows > 0) throw new InputError('vectors have dimension 0', { where: path, byteOffset: header.dataOffset });
    checkDimension(dim, path, { byteOffset: 8 });
    if (needed > available) {
      throw new InputError(`header claims ${rows} × ${dim} ${header.descr} values (${needed} bytes) but only ${available} bytes follow the header`, {
        where: path,
        byteOffset: file.size,
        hint: 'the file is truncated or was written while still growing; re-export it',
      });
    }
    const notes = needed < available ? [`${available - needed} bytes after the array data are ignored`] : [];
    return new FixedRowSource(
      file,
      { dataOffset: header.dataOffset, rows, dim, element, rowStride, rowPrefix: 0 },
      {
        kind: 'npy',
        target: path,
        rows,
        rowsExact: true,
        dim,
        storage: { type: element.storage, bytes: needed, lossy: false },
        normTolerance: normToleranceFor(element.storage, dim),
        local: true,
        notes,
      },
    );
  } catch (error) {
    file.close();
    throw error;
  }
}

export function readNpyHeader(file: LocalFile): NpyHeader {
  if (file.size < 10) throw new InputError(`too short to be a .npy file (${file.size} bytes)`, { where: file.path, byteOffset: 0 });
  const preamble = file.read(0, 12 <= file.size ? 12 : 10, 'the .npy preamble');
  if (!MAGIC.every((byte, i) => preamble[i] === byte)) {
    throw new InputError('not a .npy file (missing the \\x93NUMPY magic bytes)', {
      where: file.path,
      byteOffset: 0,
      hint: 'write the array with numpy.save, or give the file the extension of its real format',
    });
  }
  const major = preamble[6] as number;
  const minor = preamble[7] as number;
  if (major < 1 || major > 3) {
    throw new InputError(`unsupported .npy format version ${major}.${minor}`, { where: file.path, byteOffset: 6 });
  }
  const view = new DataView(preamble.buffer);
  const lengthBytes = major === 1 ? 2 : 4;
  if (preamble.byteLength < 8 + lengthBytes) throw new InputError('file ends inside the .npy preamble', { where: file.path, byteOffset: file.size });
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new InputError(`.npy header length ${headerLength} is implausible`, { where: file.path, byteOffset: 8 });
  }
  const headerBytes = file.read(headerStart, headerLength, 'the .npy header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const fields = parseHeaderDict(text, file.path, headerStart);
  return { version: `${major}.${minor}`, ...fields, dataOffset: headerStart + headerLength };
}

/** Parse the Python dict literal NumPy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
function parseHeaderDict(text: string, path: string, offset: number): Omit<NpyHeader, 'version' | 'dataOffset'> {
  const fail = (what: string): never => {
    throw new InputError(`malformed .npy header: ${what}`, { where: path, byteOffset: offset, hint: 're-save the array with numpy.save' });
  };
  const descrMatch = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(text);
  const orderMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrMatch) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) {
      throw new InputError('structured (record) dtype: vectorclinic reads plain 2-D float arrays', {
        where: path,
        byteOffset: offset,
        hint: "save the embedding field alone, e.g. np.save(path, X['embedding'])",
      });
    }
    return fail("no 'descr'");
  }
  if (!orderMatch) return fail("no 'fortran_order'");
  if (!shapeMatch) return fail("no 'shape'");
  const shape = (shapeMatch[1] as string)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      if (!/^\d+L?$/.test(part)) fail(`shape entry '${part}' is not a non-negative integer`);
      const value = Number(part.replace(/L$/, ''));
      if (!Number.isSafeInteger(value)) fail(`shape entry ${part} is too large`);
      return value;
    });
  return { descr: descrMatch[2] as string, fortranOrder: orderMatch[1] === 'True', shape };
}

function elementTypeFor(descr: string, path: string): ElementType {
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const unsupported = (why: string, hint: string): never => {
    throw new InputError(`dtype '${descr}' ${why}`, { where: path, byteOffset: 10, hint });
  };
  if (!match) {
    if (descr.includes('O')) unsupported('holds Python objects, not numbers', 'stack the vectors into a float array: np.save(path, np.stack(X).astype(np.float32))');
    return unsupported('is not a numeric dtype', 'convert with X.astype(np.float32)');
  }
  const [, order, kind, size] = match as unknown as [string, string, string, string];
  const littleEndian = order !== '>';
  const byKind: Record<string, ElementType | undefined> = {
    f8: { storage: 'float64', bytes: 8, littleEndian },
    f4: { storage: 'float32', bytes: 4, littleEndian },
    f2: { storage: 'float16', bytes: 2, littleEndian },
    u1: { storage: 'uint8', bytes: 1, littleEndian },
    i1: { storage: 'int8', bytes: 1, littleEndian },
  };
  const element = byKind[`${kind}${size}`];
  if (element) return element;
  if (kind === 'O') return unsupported('holds Python objects, not numbers', 'stack the vectors into a float array: np.save(path, np.stack(X).astype(np.float32))');
  return unsupported('is not a float32/float64/float16/int8/uint8 dtype', 'convert with X.astype(np.float32)');
}
