#!/usr/bin/env node
// Compiles the hand-written WebAssembly text kernels (src/math/wasm/*.wat) to .wasm with wabt.
// SIMD128 for the vector loops, threads for the shared memory (views survive memory growth).
// The .wasm files are build output (gitignored); `npm run build` and `npm test` run this first.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import createWabt from 'wabt';

const directory = new URL('../src/math/wasm/', import.meta.url).pathname;
const wabt = await createWabt();
const features = { simd: true, threads: true };
for (const name of readdirSync(directory).filter((file) => file.endsWith('.wat'))) {
  const source = join(directory, name);
  let module;
  try {
    module = wabt.parseWat(name, readFileSync(source, 'utf8'), features);
    module.validate(features);
    const { buffer } = module.toBinary({ log: false, write_debug_names: false });
    writeFileSync(source.replace(/\.wat$/, '.wasm'), buffer);
  } catch (error) {
    console.error(`build-wasm: ${source}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    module?.destroy();
  }
}
