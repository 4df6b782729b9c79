import { createRequire } from 'node:module';
import { UsageError } from '../../errors.js';

/**
 * Native engines load on first use, through require: importing vectorclinic must not load native
 * binaries it may never need, and usearch's ESM build cannot find its binary under plain Node
 * (its directory walk never terminates); its CommonJS build can.
 */
const require = createRequire(import.meta.url);

export type Hnswlib = typeof import('hnswlib-node');
export type Usearch = typeof import('usearch');

/**
 * hnswlib-node is an optional dependency: it compiles with node-gyp on install, and a machine
 * without a C++ toolchain still gets a working vectorclinic for everything else.
 */
export function loadHnswlib(): Hnswlib {
  try {
    return require('hnswlib-node') as Hnswlib;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes(`'hnswlib-node'`)) throw error;
    throw new UsageError('this step needs the npm package hnswlib-node (an optional dependency that did not install here: it compiles with node-gyp)', {
      where: 'hnswlib-node',
      hint: 'install a C++ toolchain (build-essential, python3), then: npm install hnswlib-node',
    });
  }
}

export function loadUsearch(): Usearch {
  return require('usearch') as Usearch;
}
