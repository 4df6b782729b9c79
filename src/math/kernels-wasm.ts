import type { Rows } from '../core/rows.js';
import type { KernelBuffer, Kernels, RowScanOutput } from './kernel-types.js';
import { alignUp, compileWasm, growTo, TAIL_SLACK, type WasmMemory, wasmApi } from './wasm-memory.js';

/**
 * The WebAssembly SIMD kernels (src/math/wasm/kernels.wat). Operands that already live in the
 * module's memory (buffers from `allocate`) are used in place; anything else is copied through a
 * fixed-size scratch area in blocks, so any input size works with bounded extra memory.
 */

/** Next to this module both in src/ (run by tsx) and in dist/ (copied by scripts/copy-assets.mjs). */
const WASM_URL = new URL('./wasm/kernels.wasm', import.meta.url);

/** Scratch for copied operands: big enough to amortize each call, small enough to stay in cache. */
const SCRATCH_BYTES = 8 << 20;
/** B rows per dot call: ~256 KB of them stays in L2 while the A rows stream past. */
const DOT_B_TILE_BYTES = 256 << 10;
/** scanRows output bytes per row: f32 norm², u32 hash low, u32 hash high, u8 flags. */
const SCAN_OUTPUT_BYTES_PER_ROW = 13;

interface KernelExports {
  readonly memory: WasmMemory;
  scan_rows(data: number, count: number, dim: number, norms: number, flags: number, hashLow: number, hashHigh: number, columns: number): void;
  dot(a: number, countA: number, b: number, countB: number, dim: number, out: number, outStride: number): void;
}

/** Compile and instantiate the module synchronously; throws when the file is missing or invalid. */
export function loadWasmKernels(): Kernels {
  const module = compileWasm(WASM_URL);
  const exports = new wasmApi.Instance(module, {}).exports as KernelExports;
  return new WasmKernels(exports);
}

class WasmKernels implements Kernels {
  readonly name = 'wasm';
  private readonly heap: WasmHeap;

  constructor(private readonly wasm: KernelExports) {
    this.heap = new WasmHeap(wasm.memory);
  }

  allocate(floats: number): KernelBuffer {
    const bytes = floats * 4;
    const offset = this.heap.allocate(bytes);
    if (offset < 0) return plainBuffer(floats);
    const buffer = this.heap.buffer();
    let released = false;
    return {
      floats: new Float32Array(buffer, offset, floats),
      bytes: new Uint8Array(buffer, offset, bytes),
      release: () => {
        if (!released) this.heap.release(offset);
        released = true;
      },
    };
  }

  scanRows(data: Float32Array, count: number, dim: number, out: RowScanOutput): void {
    if (count === 0) return;
    requireLength(data, count * dim, 'scanRows data');
    const rowBytes = dim * 4;
    const columnBytes = alignUp(dim * 4);
    const inPlace = this.heap.offsetOf(data);
    const perRow = SCAN_OUTPUT_BYTES_PER_ROW + (inPlace < 0 ? rowBytes : 0);
    const chunkRows = Math.min(count, Math.max(1, Math.floor((SCRATCH_BYTES - columnBytes) / perRow)));
    // Scratch layout: columns | copied rows | norms | hash low | hash high | flags.
    const dataBytes = inPlace < 0 ? alignUp(chunkRows * rowBytes) : 0;
    const base = this.heap.scratch(columnBytes + dataBytes + 3 * alignUp(chunkRows * 4) + alignUp(chunkRows));
    const columnsAt = base;
    const dataAt = columnsAt + columnBytes;
    const normsAt = dataAt + dataBytes;
    const hashLowAt = normsAt + alignUp(chunkRows * 4);
    const hashHighAt = hashLowAt + alignUp(chunkRows * 4);
    const flagsAt = hashHighAt + alignUp(chunkRows * 4);
    const buffer = this.heap.buffer();
    const columns = new Uint32Array(buffer, columnsAt, dim);
    columns.set(out.columnNonzero.subarray(0, dim));
    for (let start = 0; start < count; start += chunkRows) {
      const rows = Math.min(chunkRows, count - start);
      let rowsAt = inPlace + start * rowBytes;
      if (inPlace < 0) {
        new Float32Array(buffer, dataAt, rows * dim).set(data.subarray(start * dim, (start + rows) * dim));
        rowsAt = dataAt;
      }
      this.wasm.scan_rows(rowsAt, rows, dim, normsAt, flagsAt, hashLowAt, hashHighAt, columnsAt);
      out.norms2.set(new Float32Array(buffer, normsAt, rows), start);
      out.hashLow.set(new Uint32Array(buffer, hashLowAt, rows), start);
      out.hashHigh.set(new Uint32Array(buffer, hashHighAt, rows), start);
      out.flags.set(new Uint8Array(buffer, flagsAt, rows), start);
    }
    out.columnNonzero.set(columns);
  }

  dot(aRows: Rows, bRows: Rows, out: Float32Array): void {
    const dim = dotDim(aRows, bRows);
    const { data: a, count: countA } = aRows;
    const { data: b, count: countB } = bRows;
    if (countA === 0 || countB === 0) return;
    requireLength(out, countA * countB, 'dot out');
    if (dim === 0) {
      out.fill(0, 0, countA * countB);
      return;
    }
    requireLength(a, countA * dim, 'dot a');
    requireLength(b, countB * dim, 'dot b');
    const rowBytes = dim * 4;
    const aInPlace = this.heap.offsetOf(a);
    const bInPlace = this.heap.offsetOf(b);
    const outInPlace = this.heap.offsetOf(out);
    const bTile = Math.min(countB, Math.max(1, Math.floor(DOT_B_TILE_BYTES / rowBytes)));
    const bTileBytes = bInPlace < 0 ? alignUp(bTile * rowBytes) : 0;
    const bytesPerARow = (aInPlace < 0 ? rowBytes : 0) + (outInPlace < 0 ? bTile * 4 : 0);
    let aTile = bytesPerARow === 0 ? countA : Math.floor((SCRATCH_BYTES - bTileBytes) / bytesPerARow);
    // Whole groups of 4 A rows keep the 4 × 2 tile busy; at least one row always fits.
    aTile = Math.max(1, Math.min(countA, aTile >= 4 ? aTile & ~3 : aTile));
    const aTileBytes = aInPlace < 0 ? alignUp(aTile * rowBytes) : 0;
    const base = this.heap.scratch(aTileBytes + bTileBytes + alignUp(aTile * bTile * 4));
    const aAt = base;
    const bAt = aAt + aTileBytes;
    const outAt = bAt + bTileBytes;
    const buffer = this.heap.buffer();
    for (let a0 = 0; a0 < countA; a0 += aTile) {
      const aRows = Math.min(aTile, countA - a0);
      let aRowsAt = aInPlace + a0 * rowBytes;
      if (aInPlace < 0) {
        new Float32Array(buffer, aAt, aRows * dim).set(a.subarray(a0 * dim, (a0 + aRows) * dim));
        aRowsAt = aAt;
      }
      for (let b0 = 0; b0 < countB; b0 += bTile) {
        const bRows = Math.min(bTile, countB - b0);
        let bRowsAt = bInPlace + b0 * rowBytes;
        if (bInPlace < 0) {
          new Float32Array(buffer, bAt, bRows * dim).set(b.subarray(b0 * dim, (b0 + bRows) * dim));
          bRowsAt = bAt;
        }
        if (outInPlace >= 0) {
          this.wasm.dot(aRowsAt, aRows, bRowsAt, bRows, dim, outInPlace + (a0 * countB + b0) * 4, countB);
          continue;
        }
        this.wasm.dot(aRowsAt, aRows, bRowsAt, bRows, dim, outAt, bRows);
        const tile = new Float32Array(buffer, outAt, aRows * bRows);
        for (let i = 0; i < aRows; i++) out.set(tile.subarray(i * bRows, (i + 1) * bRows), (a0 + i) * countB + b0);
      }
    }
  }
}

/**
 * Regions of the module's memory handed out by `allocate`, plus a scratch area above the highest
 * one. The memory is shared, so growing it keeps every existing view valid; each grow hands out a
 * new SharedArrayBuffer object for the same memory, and all of them are remembered to recognise
 * views that point into it.
 */
class WasmHeap {
  /** Live regions sorted by offset; `bytes` includes the tail slack. */
  private readonly regions: { offset: number; bytes: number }[] = [];
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(private readonly memory: WasmMemory) {}

  buffer(): ArrayBufferLike {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return buffer;
  }

  /** Byte offset of the array in this memory, or -1 when it lives in ordinary JS memory. */
  offsetOf(array: ArrayBufferView): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /** Offset of a new region of `bytes` (first fit), or -1 when the memory cannot hold it. */
  allocate(bytes: number): number {
    const size = alignUp(bytes + TAIL_SLACK);
    let offset = 0;
    let index = 0;
    for (; index < this.regions.length; index++) {
      const region = this.regions[index] as { offset: number; bytes: number };
      if (region.offset - offset >= size) break;
      offset = region.offset + region.bytes;
    }
    if (!this.ensure(offset + size)) return -1;
    this.regions.splice(index, 0, { offset, bytes: size });
    return offset;
  }

  release(offset: number): void {
    const index = this.regions.findIndex((region) => region.offset === offset);
    if (index >= 0) this.regions.splice(index, 1);
  }

  /** Offset of `bytes` of scratch above every live region, valid until the next kernel call. */
  scratch(bytes: number): number {
    const last = this.regions[this.regions.length - 1];
    const offset = last ? last.offset + last.bytes : 0;
    if (!this.ensure(offset + bytes + TAIL_SLACK)) {
      throw new RangeError(`WebAssembly kernels: ${bytes} bytes of scratch do not fit in 4 GiB of memory`);
    }
    return offset;
  }

  private ensure(end: number): boolean {
    return growTo(this.memory, end);
  }
}

/** Ordinary JS memory, for buffers the module's memory cannot hold (the kernels then copy). */
export function plainBuffer(floats: number): KernelBuffer {
  const values = new Float32Array(floats);
  return { floats: values, bytes: new Uint8Array(values.buffer), release: () => {} };
}

/** The dimension both operands of a dot share; a mismatch is a caller's bug, caught before any row is read. */
export function dotDim(a: Rows, b: Rows): number {
  if (a.dim !== b.dim) throw new RangeError(`dot: a has ${a.dim} dimensions, b ${b.dim}`);
  return a.dim;
}

function requireLength(array: ArrayLike<number>, length: number, what: string): void {
  if (array.length < length) throw new RangeError(`${what}: needs ${length} values, has ${array.length}`);
}
