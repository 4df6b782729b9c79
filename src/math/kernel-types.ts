import type { Rows } from '../core/rows.js';

/** The kernels' shared interface: both implementations (kernels.ts, kernels-wasm.ts) import it from here. */

export interface RowScanOutput {
  /** Squared L2 norm of each row (meaningless when the row is flagged non-finite). */
  readonly norms2: Float32Array;
  /** ROW_NONFINITE | ROW_ZERO bits per row. */
  readonly flags: Uint8Array;
  /** 64-bit content hash of each row's bytes, as two 32-bit halves (equal rows, equal hashes). */
  readonly hashLow: Uint32Array;
  readonly hashHigh: Uint32Array;
  /** Per-column count of non-zero values, accumulated across calls. */
  readonly columnNonzero: Uint32Array;
}

/**
 * Float memory the kernels read without copying (WebAssembly memory for the fast kernels), e.g.
 * for a reader to read file bytes straight into. The views stay valid until `release()`.
 */
export interface KernelBuffer {
  readonly floats: Float32Array;
  /** The same memory as bytes. */
  readonly bytes: Uint8Array;
  /** Give the memory back; safe to call twice. The views must not be used afterwards. */
  release(): void;
}

export interface Kernels {
  readonly name: string;
  /** A buffer of `floats` floats that `scanRows`/`dot` use in place (any other array is copied in). */
  allocate(floats: number): KernelBuffer;
  /** Per-row facts for `count` rows of `dim` floats. Outputs must hold at least `count` entries. */
  scanRows(data: Float32Array, count: number, dim: number, out: RowScanOutput): void;
  /** out[i * b.count + j] = dot(a_i, b_j) for the rows of `a` and `b` (the same dim). */
  dot(a: Rows, b: Rows, out: Float32Array): void;
}
