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
/**
 * exact-top-k.wat's 2 × 4 tile accumulates `s += x * y` as a multiply and an add (the rounding of
 * kernels.wat's dot). Its relaxed-SIMD twin fuses them into `f32x4.relaxed_madd` (one FMA where the
 * CPU has it); exact-top-k.ts loads the twin when the runtime validates it, the plain module otherwise.
 */
const MULTIPLY_ADD = /\(f32x4\.add \(local\.get (\$s\d+)\) \(f32x4\.mul (\(local\.get \$x\d\)) (\(local\.get \$y\d\))\)\)/g;
const RELAXED_TWINS = { 'exact-top-k.wat': 'exact-top-k-relaxed.wasm' };

function compile(name, text, moduleFeatures, target) {
  let module;
  try {
    module = wabt.parseWat(name, text, moduleFeatures);
    module.validate(moduleFeatures);
    const { buffer } = module.toBinary({ log: false, write_debug_names: false });
    writeFileSync(target, buffer);
  } catch (error) {
    console.error(`build-wasm: ${target}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    module?.destroy();
  }
}

for (const name of readdirSync(directory).filter((file) => file.endsWith('.wat'))) {
  const source = join(directory, name);
  const text = readFileSync(source, 'utf8');
  compile(name, text, features, source.replace(/\.wat$/, '.wasm'));
  const twin = RELAXED_TWINS[name];
  if (!twin) continue;
  const fused = text.replace(MULTIPLY_ADD, '(f32x4.relaxed_madd $2 $3 (local.get $1))');
  if (fused === text) {
    console.error(`build-wasm: ${source}: no multiply-add left to fuse for ${twin}`);
    process.exitCode = 1;
    continue;
  }
  compile(name, fused, { ...features, relaxed_simd: true }, join(directory, twin));
}
