import type { VectorTransform } from './index-tree.js';

/**
 * Apply a PreTransform chain to `count` input vectors, as IndexPreTransform does to queries before
 * searching; undefined when a step cannot be re-applied here (ITQ, untrained matrices).
 */
export function applyChain(chain: readonly VectorTransform[], input: Float32Array, count: number): Float32Array | undefined {
  let data = input;
  for (const step of chain) {
    const next = applyStep(step, data, count);
    if (!next) return undefined;
    data = next;
  }
  return data;
}

function applyStep(step: VectorTransform, x: Float32Array, count: number): Float32Array | undefined {
  const { dIn, dOut } = step;
  switch (step.kind) {
    case 'linear': {
      if (step.a.length < dIn * dOut) return undefined;
      const y = new Float32Array(count * dOut);
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < dOut; i++) {
          let sum = step.haveBias ? (step.b[i] as number) : 0;
          for (let j = 0; j < dIn; j++) sum += (step.a[i * dIn + j] as number) * (x[r * dIn + j] as number);
          y[r * dOut + i] = sum;
        }
      }
      return y;
    }
    case 'normalize':
      return normalizeRows(x, count, dIn);
    case 'center': {
      if (step.mean.length !== dIn) return undefined;
      const y = new Float32Array(x.length);
      for (let r = 0; r < count; r++) for (let j = 0; j < dIn; j++) y[r * dIn + j] = (x[r * dIn + j] as number) - (step.mean[j] as number);
      return y;
    }
    case 'remap': {
      const y = new Float32Array(count * dOut);
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < dOut; i++) {
          const source = step.map[i] as number;
          if (source >= 0) y[r * dOut + i] = x[r * dIn + source] as number;
        }
      }
      return y;
    }
    default:
      return undefined;
  }
}

/** NormalizationTransform (norm 2): every row divided by its L2 norm; zero rows stay zero. */
export function normalizeRows(x: Float32Array, count: number, dim: number): Float32Array {
  const y = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (x[r * dim + j] as number) ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < dim; j++) y[r * dim + j] = (x[r * dim + j] as number) * scale;
  }
  return y;
}
