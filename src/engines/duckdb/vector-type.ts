/** A DuckDB column type that can hold embeddings: FLOAT[n] / DOUBLE[n] arrays, FLOAT[] / DOUBLE[] lists. */
export interface DuckdbVectorType {
  /** As DuckDB prints it (FLOAT[128], DOUBLE[]). */
  readonly name: string;
  readonly element: 'float32' | 'float64';
  /** The fixed length of an ARRAY type; undefined for a LIST (any length per row). */
  readonly fixedDim?: number;
}

const VECTOR_TYPE = /^(FLOAT|REAL|FLOAT4|DOUBLE|FLOAT8)\[(\d*)\]$/i;

/** The vector type of a column type name, or undefined for any other type (HALF, nested lists, …). */
export function parseVectorType(name: string): DuckdbVectorType | undefined {
  const match = VECTOR_TYPE.exec(name.trim());
  if (!match) return undefined;
  const element = /^(DOUBLE|FLOAT8)$/i.test(match[1] as string) ? 'float64' : 'float32';
  const length = match[2] as string;
  return { name: name.trim(), element, ...(length === '' ? {} : { fixedDim: Number(length) }) };
}
