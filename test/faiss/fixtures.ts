import { readFileSync } from 'node:fs';
import type { Metric } from '../../src/core/policy.js';

/** What make_faiss_fixtures.py recorded about each fixture, from FAISS itself. */
export interface FixtureFacts {
  readonly file: string;
  readonly type: string;
  readonly inner: string;
  readonly ntotal: number;
  readonly d: number;
  readonly rowDim: number;
  /** FAISS MetricType of the outer index. */
  readonly metric: number;
  readonly trained: boolean;
  readonly nlist?: number;
  readonly nprobe?: number;
  readonly listSizes?: number[];
  readonly efSearch?: number;
  readonly efConstruction?: number;
  /** First 20 and last 5 ids in vectorclinic's row order, as decimal strings. */
  readonly ids: string[];
  readonly idsTail: string[];
  /** Rows as FAISS reconstructs them (null for non-finite values). */
  readonly rows?: { row: number; values: (number | null)[] }[];
  readonly transform?: { input: number[]; output: number[] };
  readonly search?: { queryRows: number[]; k: number; ids: string[][] } | null;
  readonly declared: { metric: Metric; dim: number };
  readonly expect: string[];
  readonly notes: string;
}

export const FIXTURES_DIR = new URL('../fixtures/faiss/', import.meta.url).pathname;

export const FIXTURES: Readonly<Record<string, FixtureFacts>> = JSON.parse(readFileSync(`${FIXTURES_DIR}expected.json`, 'utf8'));

export function fixturePath(name: string): string {
  const facts = FIXTURES[name];
  if (!facts) throw new Error(`no FAISS fixture '${name}'`);
  return `${FIXTURES_DIR}${facts.file}`;
}
