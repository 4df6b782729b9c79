import { readFileSync } from 'node:fs';

/**
 * What both WebAssembly modules (kernels.wat, exact-top-k.wat) agree on about memory: the page
 * size, the 4 GiB cap of 32-bit addresses, the slack every array leaves after it, alignment and
 * growth. One home, so a change to the kernels' tail loads cannot leave one module behind.
 */

export const PAGE_BYTES = 65536;
/** Both modules declare 65536 pages (4 GiB, the 32-bit address space) as their maximum. */
export const MAX_PAGES = 65536;
/** Bytes readable after every array: a row's tail is one masked 16-byte load. */
export const TAIL_SLACK = 16;
/** v128 loads and stores are fastest on 16-byte boundaries. */
export const ALIGN = 16;

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** Whole pages holding `bytes`, or undefined when they exceed the 4 GiB cap. */
export function pagesFor(bytes: number): number | undefined {
  const pages = Math.ceil(bytes / PAGE_BYTES);
  return pages > MAX_PAGES ? undefined : pages;
}

/** The slice of the WebAssembly JS API used here (tsconfig's lib has no DOM, where its types live). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compile a module next to the calling one (throws when the file is missing or invalid). */
export function compileWasm(url: URL): object {
  return compileBytes(readFileSync(url));
}

export function compileBytes(bytes: Uint8Array): object {
  return new wasmApi.Module(bytes);
}

/** A shared memory of exactly `pages` pages, never grown (a shared memory reserves its maximum up front). */
export function fixedSharedMemory(pages: number): WasmMemory {
  return new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Grow `memory` until `end` bytes are addressable; false (and unchanged) when that passes the 4 GiB cap. */
export function growTo(memory: WasmMemory, end: number): boolean {
  const have = memory.buffer.byteLength;
  if (end <= have) return true;
  const pages = Math.ceil((end - have) / PAGE_BYTES);
  if (have / PAGE_BYTES + pages > MAX_PAGES) return false;
  memory.grow(pages);
  return true;
}
