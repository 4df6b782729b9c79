import { join, resolve } from 'node:path';

/** test/fixtures/graphs, written by scripts/fixtures/graphs/ (hnswlib-node, usearch, FAISS). */
export const GRAPH_FIXTURES = resolve(new URL('../fixtures/graphs', import.meta.url).pathname);
export const graphFixture = (name: string): string => join(GRAPH_FIXTURES, name);
