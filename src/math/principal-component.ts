/**
 * Share of the total variance along the first principal component, by power iteration on XᵀX
 * without forming it (each step is two passes over X: O(n·d) memory and time, no d×d matrix).
 */
export function firstComponentShare(
  data: Float32Array,
  count: number,
  dim: number,
  options: { readonly centered: boolean; readonly iterations?: number; readonly seed?: number },
): number {
  if (count < 2 || dim === 0) return NaN;
  const mean = new Float64Array(dim);
  if (options.centered) {
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (data[i * dim + j] as number);
    for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / count;
  }
  let trace = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) trace += ((data[i * dim + j] as number) - (mean[j] as number)) ** 2;
  }
  if (trace === 0) return NaN;
  let vector = new Float64Array(dim);
  // Deterministic, non-degenerate start: not orthogonal to the top component in practice.
  for (let j = 0; j < dim; j++) vector[j] = 1 + ((j * 2654435761) % 1000) / 1000;
  normalize(vector);
  const projections = new Float64Array(count);
  let eigenvalue = 0;
  const iterations = options.iterations ?? 100;
  for (let step = 0; step < iterations; step++) {
    for (let i = 0; i < count; i++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += ((data[i * dim + j] as number) - (mean[j] as number)) * (vector[j] as number);
      projections[i] = dot;
    }
    const next = new Float64Array(dim);
    for (let i = 0; i < count; i++) {
      const p = projections[i] as number;
      for (let j = 0; j < dim; j++) next[j] = (next[j] as number) + ((data[i * dim + j] as number) - (mean[j] as number)) * p;
    }
    const value = normalize(next);
    vector = next;
    if (Math.abs(value - eigenvalue) <= 1e-7 * value) {
      eigenvalue = value;
      break;
    }
    eigenvalue = value;
  }
  return eigenvalue / trace;
}

function normalize(vector: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < vector.length; j++) sum += (vector[j] as number) ** 2;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let j = 0; j < vector.length; j++) vector[j] = (vector[j] as number) / norm;
  return norm;
}

/**
 * Mean cosine over all pairs of distinct rows, exactly and in O(n·d):
 * Σ_{i≠j} x̂ᵢ·x̂ⱼ = ‖Σ x̂ᵢ‖² − n for unit rows x̂.
 */
export function meanPairwiseCosine(unitRows: Float32Array, count: number, dim: number): number {
  if (count < 2) return NaN;
  const sum = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) sum[j] = (sum[j] as number) + (unitRows[i * dim + j] as number);
  let squared = 0;
  for (let j = 0; j < dim; j++) squared += (sum[j] as number) ** 2;
  return (squared - count) / (count * (count - 1));
}
