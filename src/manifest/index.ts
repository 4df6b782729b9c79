export { createManifest, type ManifestFields } from './create.js';
export { describeFile, manifestPathFor, manifestPolicy, mergeDeclared, readManifest, writeManifest, type LoadedManifest } from './manifest.js';
export { measureReference } from './reference.js';
export { MANIFEST_SUFFIX, type StoreManifest } from './schema.js';
