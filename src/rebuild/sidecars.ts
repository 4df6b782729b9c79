import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { StoreManifest } from '../manifest/schema.js';

const SIDECAR_KINDS = /\.(ids\.jsonl|whiten\.f32)$/;

/** Sidecars carry a build id in their name, so a new build never overwrites the files the live manifest names. */
export function sidecarPath(out: string, buildId: string, kind: 'ids.jsonl' | 'whiten.f32'): string {
  return `${out}.${buildId}.${kind}`;
}

export function newBuildId(): string {
  return `${Date.now().toString(36)}-${process.pid.toString(36)}`;
}

/**
 * Delete sidecars of `out` that `manifest` does not name: left by an earlier build, or by a run
 * killed before its manifest was committed.
 */
export function removeOrphanSidecars(out: string, manifest: StoreManifest | undefined): string[] {
  const keep = new Set([manifest?.ids?.file, manifest?.whitening.transform?.file].filter((name): name is string => Boolean(name)));
  const prefix = `${basename(out)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(out));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !SIDECAR_KINDS.test(name) || keep.has(name)) continue;
    rmSync(join(dirname(out), name), { force: true });
    removed.push(name);
  }
  return removed;
}
