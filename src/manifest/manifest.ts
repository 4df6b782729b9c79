import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DeclaredPolicy } from '../core/policy.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { sha256File } from '../io/sha256.js';
import { parsePathUrl, schemeOf } from '../engines/store-url.js';
import { MANIFEST_SUFFIX, manifestSchema, type ManifestFile, type StoreManifest } from './schema.js';

export function manifestPathFor(target: string): string {
  return `${target}${MANIFEST_SUFFIX}`;
}

export interface LoadedManifest {
  readonly path: string;
  readonly manifest: StoreManifest;
  /**
   * 'ok' when every file it names is there with the recorded size and hash; 'changed' when one
   * differs: rows were appended since, or the index was replaced (a rebuild killed between its two
   * renames). The policy still applies then; facts about the exact file (its ids) do not.
   */
  readonly status: 'ok' | 'changed';
  readonly problems: readonly string[];
}

/** The local path of a file target; undefined for store URLs (their policy lives in the store). */
export function localPathOf(target: string): string | undefined {
  const scheme = schemeOf(target);
  if (!scheme) return target;
  return scheme === 'file' ? parsePathUrl(target, 'file').path : undefined;
}

/**
 * The manifest a rebuild is committing, written before its index is renamed into place: once the
 * index in place is the one it names, it is the store's manifest (the rename after it may have
 * been interrupted); until then the old manifest stands.
 */
export function pendingManifestPathFor(target: string): string {
  return `${target}${PENDING_SUFFIX}`;
}

const PENDING_SUFFIX = '.vectorclinic-pending.json';

/** Read the manifest beside a file target, if any. A malformed manifest is an input error, not a silent skip. */
export function readManifest(target: string): LoadedManifest | undefined {
  const local = localPathOf(target);
  if (local === undefined) return undefined;
  const path = manifestPathFor(local);
  const pending = readPendingManifest(local, path);
  if (pending) return pending;
  if (!existsSync(path)) return undefined;
  const manifest = parseManifestFile(path);
  const problems = verifyFiles(path, manifest);
  return { path, manifest, status: problems.length ? 'changed' : 'ok', problems };
}

/** The pending manifest, when its index is the one in place (the commit got that far). */
function readPendingManifest(local: string, path: string): LoadedManifest | undefined {
  const pendingPath = pendingManifestPathFor(local);
  if (!existsSync(pendingPath)) return undefined;
  let manifest: StoreManifest;
  try {
    manifest = parseManifestFile(pendingPath);
  } catch {
    return undefined;
  }
  if (!manifest.index || verifyFiles(path, manifest).length > 0) return undefined;
  return { path, manifest, status: 'ok', problems: [] };
}

/** Whether a pending manifest has become the store's manifest (its index is in place). */
export function pendingManifestCommitted(target: string): boolean {
  const local = localPathOf(target);
  return local !== undefined && readPendingManifest(local, manifestPathFor(local)) !== undefined;
}

function parseManifestFile(path: string): StoreManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`store manifest is not valid JSON (${(error as Error).message})`, { where: path, hint: 'delete it and re-run `vectorclinic rebuild --apply`, or fix it by hand' });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputError(`store manifest field '${issue?.path.join('.') ?? ''}' is invalid: ${issue?.message ?? 'invalid'}`, {
      where: path,
      hint: 'it was written by another tool or edited by hand; delete it and re-run `vectorclinic rebuild --apply`',
    });
  }
  return result.data;
}

function verifyFiles(manifestPath: string, manifest: StoreManifest): string[] {
  return [...verifyFile(manifestPath, manifest.index, 'index'), ...verifyFile(manifestPath, manifest.ids, 'id list'), ...verifyFile(manifestPath, manifest.whitening.transform, 'whitening transform')];
}

/** The file a manifest entry names, resolved against the manifest's directory. */
export function manifestFilePath(manifestPath: string, entry: ManifestFile): string {
  return join(dirname(manifestPath), entry.file);
}

export function describeFile(path: string): ManifestFile {
  return { file: basename(path), bytes: statSync(path).size, sha256: sha256File(path) };
}

export function writeManifest(target: string, manifest: StoreManifest): string {
  const path = manifestPathFor(target);
  writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/** What the manifest declares, in the shape `check` compares the store against. */
export function manifestPolicy(loaded: LoadedManifest): DeclaredPolicy {
  const { manifest } = loaded;
  return {
    metric: manifest.metric,
    dim: manifest.dim,
    ...(manifest.model ? { model: manifest.model } : {}),
    normalized: manifest.normalized,
    whitened: manifest.whitening.applied,
    manifest: loaded.path,
    ...(manifest.codebook ? { codebook: { training: manifest.codebook.training, ...(manifest.codebook.codebook ? { codebook: manifest.codebook.codebook } : {}) } } : {}),
    ...(manifest.reference ? { reference: manifest.reference } : {}),
    ...(manifest.index ? { indexParams: numericParams(manifest.index.params) } : {}),
  };
}

function numericParams(params: Readonly<Record<string, number | string | boolean>>): Record<string, number> {
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

/**
 * Flags win over the manifest; the manifest fills what flags leave open. `from` says which
 * fields came from where.
 */
export function mergeDeclared(flags: DeclaredPolicy, loaded: LoadedManifest | undefined): DeclaredPolicy {
  if (!loaded) return flags;
  const fromManifest = manifestPolicy(loaded);
  const merged: Record<string, unknown> = { ...fromManifest };
  for (const [key, value] of Object.entries(flags)) if (value !== undefined && key !== 'from') merged[key] = value;
  const flagged = Object.keys(flags).filter((key) => key !== 'from' && flags[key as keyof DeclaredPolicy] !== undefined);
  merged.from = flagged.length ? `options (${flagged.join(', ')}) + manifest ${loaded.path}` : `manifest ${loaded.path}`;
  return merged as DeclaredPolicy;
}

function verifyFile(manifestPath: string, entry: Partial<ManifestFile> | undefined, what: string): string[] {
  if (!entry?.file || entry.bytes === undefined || !entry.sha256) return [];
  const path = join(dirname(manifestPath), entry.file);
  if (!existsSync(path)) return [`the ${what} ${entry.file} it names is missing`];
  const bytes = statSync(path).size;
  if (bytes !== entry.bytes) return [`the ${what} ${entry.file} is ${bytes} bytes, the manifest recorded ${entry.bytes}: it was replaced after the manifest was written`];
  if (sha256File(path) !== entry.sha256) return [`the ${what} ${entry.file} changed after the manifest was written (SHA-256 differs)`];
  return [];
}
