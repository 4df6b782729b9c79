import { createRequire } from 'node:module';

/**
 * Native engines load on first use, through require: importing vectorclinic must not load native
 * binaries it may never need, and usearch's ESM build cannot find its binary under plain Node
 * (its directory walk never terminates); its CommonJS build can.
 */
const require = createRequire(import.meta.url);

export type Hnswlib = typeof import('hnswlib-node');
export type Usearch = typeof import('usearch');

export function loadHnswlib(): Hnswlib {
  return require('hnswlib-node') as Hnswlib;
}

export function loadUsearch(): Usearch {
  return require('usearch') as Usearch;
}
