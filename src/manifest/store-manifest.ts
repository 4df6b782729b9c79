import { InputError } from '../errors.js';
import type { LoadedManifest } from './manifest.js';
import { manifestSchema, type StoreManifest } from './schema.js';

/**
 * A live store keeps its manifest in its own metadata (a pgvector column comment, a LanceDB field's
 * metadata), as this prefix and the manifest's JSON: anyone reading the comment sees what it is.
 */
export const STORE_MANIFEST_PREFIX = 'vectorclinic manifest: ';

/** The Arrow field metadata key that holds it in a LanceDB table's vector field. */
export const MANIFEST_METADATA_KEY = 'vectorclinic.manifest';

export function encodeStoreManifest(manifest: StoreManifest): string {
  return `${STORE_MANIFEST_PREFIX}${JSON.stringify(manifest)}`;
}

export function isStoreManifestText(text: string | null | undefined): text is string {
  return typeof text === 'string' && text.startsWith(STORE_MANIFEST_PREFIX);
}

/**
 * The manifest in a store's metadata (`where` names the place, e.g. "comment on column public.items.embedding").
 * Undefined when the metadata is not ours; an input error when it is ours but unreadable. `rows`
 * is the store's current row count: a manifest recording another count is stale (rows were
 * added or removed after the rebuild), though its policy still applies.
 */
export function parseStoreManifest(text: string | null | undefined, where: string, rows: number): LoadedManifest | undefined {
  if (!isStoreManifestText(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(STORE_MANIFEST_PREFIX.length));
  } catch (error) {
    throw new InputError(`store manifest is not valid JSON (${(error as Error).message})`, { where, hint: 're-run `vectorclinic rebuild --apply`, or remove the metadata' });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputError(`store manifest field '${issue?.path.join('.') ?? ''}' is invalid: ${issue?.message ?? 'invalid'}`, { where, hint: 're-run `vectorclinic rebuild --apply`, or remove the metadata' });
  }
  const manifest = result.data;
  const problems = manifest.rows === rows ? [] : [`the store holds ${rows} vectors, the manifest recorded ${manifest.rows}: rows were added or removed after the rebuild`];
  return { path: where, manifest, status: problems.length ? 'changed' : 'ok', problems };
}
