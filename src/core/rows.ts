/** Row vectors, row-major: `count` rows of `dim` floats in `data`. The shape every layer passes vectors in. */
export interface Rows {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}
