import type { FileCursor } from './file-cursor.js';
import { printableFourcc } from './fourcc.js';
import type { LinearTransform, VectorTransform } from './index-tree.js';
import { MAX_DIM, MAX_NESTING } from './limits.js';

const LINEAR_NAMES: Readonly<Record<string, string>> = {
  rrot: 'RandomRotationMatrix',
  PCAm: 'PCAMatrix',
  PcAm: 'PCAMatrix',
  Pcam: 'PCAMatrix',
  LTra: 'LinearTransform',
  Viqm: 'ITQMatrix',
};

/** One VectorTransform as `write_VectorTransform` stores it: type fields, then d_in, d_out, is_trained. */
export function readTransform(cursor: FileCursor, depth: number): VectorTransform {
  const offset = cursor.position;
  if (depth >= MAX_NESTING) cursor.fail(`transforms nested ${depth} levels deep: the file is corrupt`);
  const fourcc = cursor.fourcc('the transform type code');
  const linearName = LINEAR_NAMES[fourcc];
  if (linearName) return readLinear(cursor, fourcc, linearName);
  switch (fourcc) {
    case 'VNrm': {
      const norm = cursor.f32('the normalization norm');
      return { kind: 'normalize', fourcc, name: 'NormalizationTransform', norm, ...readDims(cursor) };
    }
    case 'VCnt': {
      const mean = cursor.floatVector('the centering mean');
      const dims = readDims(cursor);
      if (dims.isTrained && mean.length !== dims.dIn) cursor.fail(`the centering mean has ${mean.length} values for ${dims.dIn} dimensions`, offset);
      return { kind: 'center', fourcc, name: 'CenteringTransform', mean, ...dims };
    }
    case 'RmDT': {
      const map = cursor.intVector('the dimension remapping');
      const dims = readDims(cursor);
      if (map.length !== dims.dOut || map.some((source) => source < -1 || source >= dims.dIn)) {
        cursor.fail('the dimension remapping does not fit its input and output dimensions', offset);
      }
      return { kind: 'remap', fourcc, name: 'RemapDimensionsTransform', map, ...dims };
    }
    case 'Viqt': {
      cursor.floatVector('the ITQ mean');
      cursor.bool('do_pca');
      readTransform(cursor, depth + 1);
      readTransform(cursor, depth + 1);
      return { kind: 'opaque', fourcc, name: 'ITQTransform', ...readDims(cursor) };
    }
    default:
      return cursor.fail(`unknown FAISS transform type code '${printableFourcc(fourcc)}'`, offset, 'the file is corrupt, or uses a transform vectorclinic does not read');
  }
}

function readLinear(cursor: FileCursor, fourcc: string, name: string): LinearTransform {
  let pca: LinearTransform['pca'];
  if (name === 'PCAMatrix') {
    const eigenPower = cursor.f32('the PCA eigen_power');
    if (fourcc === 'Pcam') cursor.f32('the PCA epsilon');
    const randomRotation = cursor.bool('the PCA random_rotation flag');
    if (fourcc !== 'PCAm') cursor.i32('the PCA balanced_bins');
    cursor.floatVector('the PCA mean');
    const eigenvalues = cursor.floatVector('the PCA eigenvalues');
    cursor.floatVector('the PCA matrix');
    pca = { eigenPower, randomRotation, eigenvalues };
  } else if (fourcc === 'Viqm') {
    cursor.i32('the ITQ max_iter');
    cursor.i32('the ITQ seed');
  }
  const haveBias = cursor.bool('have_bias');
  const a = cursor.floatVector(`the ${name} matrix`);
  const b = cursor.floatVector(`the ${name} bias`);
  const dimsAt = cursor.position;
  const dims = readDims(cursor);
  if (dims.isTrained && a.length < dims.dIn * dims.dOut) cursor.fail(`the ${name} matrix has ${a.length} values for ${dims.dOut} × ${dims.dIn}`, dimsAt);
  if (haveBias && dims.isTrained && b.length < dims.dOut) cursor.fail(`the ${name} bias has ${b.length} values for ${dims.dOut} outputs`, dimsAt);
  return { kind: 'linear', fourcc, name, haveBias, a, b, ...(pca ? { pca } : {}), ...dims };
}

function readDims(cursor: FileCursor): { dIn: number; dOut: number; isTrained: boolean } {
  const at = cursor.position;
  const dIn = cursor.i32('the transform input dimension');
  const dOut = cursor.i32('the transform output dimension');
  if (dIn < 1 || dIn > MAX_DIM || dOut < 1 || dOut > MAX_DIM) cursor.fail(`transform dimensions ${dIn} → ${dOut} are outside 1..${MAX_DIM}`, at);
  const isTrained = cursor.bool('the transform is_trained flag');
  return { dIn, dOut, isTrained };
}
