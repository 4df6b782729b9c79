import type { Metric, ReferenceDistribution } from '../core/policy.js';
import { toolVersion } from '../core/tool-version.js';
import { MANIFEST_SCHEMA, type ManifestFile, type StoreManifest } from './schema.js';

export interface ManifestFields {
  readonly dim: number;
  readonly metric: Metric;
  readonly normalized: boolean;
  readonly rows: number;
  readonly model?: string;
  readonly whitening?: StoreManifest['whitening'];
  readonly index?: Partial<ManifestFile> & { readonly name?: string; readonly engine: string; readonly type: string; readonly params: Readonly<Record<string, number | string | boolean>> };
  readonly codebook?: StoreManifest['codebook'];
  readonly reference?: ReferenceDistribution;
  readonly ids?: StoreManifest['ids'];
  readonly build?: Readonly<Record<string, unknown>>;
}

/** A manifest stamped with this tool's version and the time it was written. */
export function createManifest(fields: ManifestFields): StoreManifest {
  return {
    schema: MANIFEST_SCHEMA,
    tool: { name: 'vectorclinic', version: toolVersion() },
    createdAt: new Date().toISOString(),
    ...(fields.model ? { model: fields.model } : {}),
    dim: fields.dim,
    metric: fields.metric,
    normalized: fields.normalized,
    whitening: fields.whitening ?? { applied: false },
    rows: fields.rows,
    ...(fields.index ? { index: { ...fields.index, params: { ...fields.index.params } } } : {}),
    ...(fields.codebook ? { codebook: fields.codebook } : {}),
    ...(fields.reference ? { reference: referenceRecord(fields.reference) } : {}),
    ...(fields.ids ? { ids: fields.ids } : {}),
    ...(fields.build ? { build: { ...fields.build } } : {}),
  };
}

function referenceRecord(reference: ReferenceDistribution): NonNullable<StoreManifest['reference']> {
  const { fingerprint, ...rest } = reference;
  return {
    ...rest,
    meanDirection: [...reference.meanDirection],
    alignment: { ...reference.alignment },
    ...(fingerprint ? { fingerprint: { ...fingerprint, direction: [...fingerprint.direction], alignment: { ...fingerprint.alignment }, spectrum: [...fingerprint.spectrum], norms: { ...fingerprint.norms } } } : {}),
  };
}
