import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/core/report.js';
import { readVectorFile, type VectorRows } from '../../src/sources/stores/pgvector/build-store.js';

/** The repository root and the shared data set beside it (never an absolute machine path). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOCS = fileURLToPath(new URL('../../../shared/data/wordnet-ft128/docs.f32.npy', import.meta.url));

/** The first `rows` model-A documents, L2-normalized (the clean store) or raw (norms 0.50–0.76). */
export function loadDocs(rows: number, normalize: boolean): Promise<VectorRows> {
  return readVectorFile(DOCS, { rows, normalize });
}

/** Findings at warn or fail, as code → severity: what a test pins exactly. */
export function problems(report: Report): Record<string, string> {
  return Object.fromEntries(report.findings.filter((f) => f.severity !== 'info').map((f) => [f.code, f.severity]));
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** The store tests' CLI runner is the shared one. */
export { type CliRun, runCli } from '../helpers/cli.js';

/** Every file's path, size, mtime and content hash: any write to the directory changes this. */
export function snapshot(root: string): string[] {
  const entries: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else entries.push(`${relative(root, full)} ${stat.size} ${stat.mtimeMs} ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(root);
  return entries.sort();
}
