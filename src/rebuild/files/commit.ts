import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { manifestPathFor, pendingManifestCommitted, pendingManifestPathFor } from '../../manifest/manifest.js';
import type { StoreManifest } from '../../manifest/schema.js';
import { fsyncDirectory, writeFileAtomic } from '../../io/atomic.js';

/**
 * An index file and its manifest change together. Order: the pending manifest (naming the new
 * index's size and SHA-256) is written complete, then the index is renamed into place (the commit
 * point: readers now take the pending manifest, see readManifest), then the pending manifest is
 * renamed over the old one. Every crash leaves the old pair or the new one.
 */
export function writePendingManifest(out: string, manifest: StoreManifest): void {
  writeFileAtomic(pendingManifestPathFor(out), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The last step of the commit: the pending manifest becomes the manifest. Returns its path. */
export function promotePendingManifest(out: string): string {
  const path = manifestPathFor(out);
  renameSync(pendingManifestPathFor(out), path);
  fsyncDirectory(dirname(out));
  return path;
}

/**
 * Before a run (under the output lock): a pending manifest left by a killed run is finished when
 * its index made it into place, and removed when it did not. Returns what was done.
 */
export function recoverPendingCommit(out: string): string[] {
  const pending = pendingManifestPathFor(out);
  if (!existsSync(pending)) return [];
  if (pendingManifestCommitted(out)) {
    promotePendingManifest(out);
    return [`${basename(manifestPathFor(out))} (finished the commit of an interrupted rebuild)`];
  }
  rmSync(pending, { force: true });
  fsyncDirectory(dirname(out));
  return [`${basename(pending)} (manifest of a rebuild interrupted before its commit)`];
}
