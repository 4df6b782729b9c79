import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Store drivers are optional peer dependencies: a team checking .npy and index files should not
 * install Chroma's and LanceDB's native bindings (hundreds of MB). Every connector and rebuild
 * writer loads its driver through `loadDriver`, on first use, so a missing one is one clear
 * message (exit 2) naming the package to install instead of a crash at import time.
 */
interface DriverModules {
  '@duckdb/node-api': typeof import('@duckdb/node-api');
  pg: typeof import('pg');
  '@electric-sql/pglite': typeof import('@electric-sql/pglite');
  '@electric-sql/pglite-pgvector': typeof import('@electric-sql/pglite-pgvector');
  '@lancedb/lancedb': typeof import('@lancedb/lancedb');
  chromadb: typeof import('chromadb');
  // A CommonJS module (`export =`): imported, it is the namespace with the class as `default`.
  libsql: { default: typeof import('libsql') };
  '@libsql/client': typeof import('@libsql/client');
  'sqlite-vec': typeof import('sqlite-vec');
}

export type DriverName = keyof DriverModules;
export type Driver<Name extends DriverName> = DriverModules[Name];

const DRIVERS: { readonly [Name in DriverName]: () => Promise<DriverModules[Name]> } = {
  '@duckdb/node-api': () => import('@duckdb/node-api'),
  pg: () => import('pg'),
  '@electric-sql/pglite': () => import('@electric-sql/pglite'),
  '@electric-sql/pglite-pgvector': () => import('@electric-sql/pglite-pgvector'),
  '@lancedb/lancedb': () => import('@lancedb/lancedb'),
  chromadb: () => import('chromadb'),
  libsql: () => import('libsql'),
  '@libsql/client': () => import('@libsql/client'),
  'sqlite-vec': () => import('sqlite-vec'),
};

/** Thrown when a target's driver package is not installed: exit 2 with the install command. */
export class MissingDriverError extends UsageError {}

const loaded = new Map<DriverName, Promise<unknown>>();

/**
 * Load a driver package, or throw MissingDriverError naming every package `packages` lists that is
 * not installed (pglite needs two: one message for both).
 */
export async function loadDriver<Name extends DriverName>(name: Name, where: string, packages: readonly DriverName[] = [name]): Promise<Driver<Name>> {
  let pending = loaded.get(name);
  if (!pending) {
    pending = DRIVERS[name]();
    loaded.set(name, pending);
  }
  try {
    return (await pending) as Driver<Name>;
  } catch (error) {
    loaded.delete(name);
    if (!isMissingPackage(error, name)) throw error;
    const missing: DriverName[] = [];
    for (const other of packages) if (other === name || !(await isInstalled(other))) missing.push(other);
    throw new MissingDriverError(`this target needs the npm package${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed`, {
      where,
      hint: `npm install ${missing.map(installSpec).join(' ')}`,
    });
  }
}

/** Load the drivers a pair needs (PGlite and its pgvector extension) with one message if any is missing. */
export async function loadDrivers<A extends DriverName, B extends DriverName>(a: A, b: B, where: string): Promise<[Driver<A>, Driver<B>]> {
  const both: DriverName[] = [a, b];
  return [await loadDriver(a, where, both), await loadDriver(b, where, both)];
}

async function isInstalled(name: DriverName): Promise<boolean> {
  try {
    await DRIVERS[name]();
    return true;
  } catch (error) {
    return !isMissingPackage(error, name);
  }
}

/** Node's "cannot find package" for this package itself (not for something broken inside it). */
function isMissingPackage(error: unknown, name: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`);
}

let peerRanges: Record<string, string> | undefined;

/** `name@range` from our package.json's peerDependencies, so users install a version we test with. */
export function installSpec(name: string): string {
  if (!peerRanges) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependencies?: Record<string, string> };
      peerRanges = manifest.peerDependencies ?? {};
    } catch {
      peerRanges = {};
    }
  }
  const range = peerRanges[name];
  return range ? `'${name}@${range}'` : name;
}
