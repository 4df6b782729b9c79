/** L2-normalize rows in place (zero rows stay zero). */
export function normalizeInPlace(data: Float32Array, count: number, dim: number): void {
  for (let r = 0; r < count; r++) {
    const base = r * dim;
    let norm2 = 0;
    for (let j = 0; j < dim; j++) norm2 += (data[base + j] as number) ** 2;
    if (!(norm2 > 0)) continue;
    const scale = 1 / Math.sqrt(norm2);
    for (let j = 0; j < dim; j++) data[base + j] = (data[base + j] as number) * scale;
  }
}
