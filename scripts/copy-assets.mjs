#!/usr/bin/env node
// Copies non-TypeScript runtime assets (compiled WebAssembly kernels, demo data) next to the build.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const assets = [['src/math/wasm', 'dist/math/wasm', (name) => name.endsWith('.wasm')]];
for (const [from, to, keep] of assets) {
  const source = join(root, from);
  if (!existsSync(source)) continue;
  for (const name of readdirSync(source).filter(keep)) {
    mkdirSync(join(root, to), { recursive: true });
    cpSync(join(source, name), join(root, to, name));
  }
}
