import { z } from 'zod';
import { FINDING_CODES } from '../core/finding.js';
import { METRICS } from '../core/policy.js';

export const MANIFEST_SCHEMA = 1;
/** A manifest sits beside the file it describes: `<file name>.vectorclinic.json`. */
export const MANIFEST_SUFFIX = '.vectorclinic.json';

const parameter = z.union([z.number(), z.string(), z.boolean()]);

const fileRecord = z.object({
  /** File name relative to the manifest's directory. */
  file: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** One policy per store: what the vectors are, how they were prepared, and what index holds them. */
export const manifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  tool: z.object({ name: z.literal('vectorclinic'), version: z.string() }),
  createdAt: z.string(),
  model: z.string().optional(),
  dim: z.number().int().positive(),
  metric: z.enum(METRICS),
  normalized: z.boolean(),
  whitening: z.object({
    applied: z.boolean(),
    /** float32 file: dim means, then the dim × dim whitening matrix (row-major); queries need it too. */
    transform: fileRecord.optional(),
    /** Ridge added to the covariance diagonal, as a share of its mean variance. */
    shrinkage: z.number().optional(),
  }),
  rows: z.number().int().nonnegative(),
  /** The index (or vector file) this manifest describes; a manifest whose file no longer matches is stale. */
  index: z
    .object({
      /** The index file (file stores); absent for an index inside a live store. */
      file: z.string().min(1).optional(),
      bytes: z.number().int().nonnegative().optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      /** The index's name inside a live store (pgvector index, LanceDB index). */
      name: z.string().optional(),
      engine: z.string(),
      type: z.string(),
      params: z.record(z.string(), parameter),
    })
    .optional(),
  codebook: z.object({ training: z.string(), codebook: z.string().optional(), trainingRows: z.number().int(), params: z.record(z.string(), parameter) }).optional(),
  reference: z
    .object({
      rows: z.number().int(),
      meanDirection: z.array(z.number()),
      alignment: z.object({ p01: z.number(), p50: z.number() }),
      medianNorm: z.number(),
      /** Added later: manifests written before it still read (the check falls back to meanDirection). */
      fingerprint: z
        .object({
          version: z.literal(1),
          seed: z.number().int(),
          dims: z.number().int().positive(),
          rows: z.number().int().nonnegative(),
          direction: z.array(z.number()),
          alignment: z.object({ p01: z.number(), p05: z.number(), p50: z.number() }),
          meanCosine: z.number(),
          spectrum: z.array(z.number()),
          norms: z.object({ p05: z.number(), p50: z.number(), p95: z.number() }),
        })
        .optional(),
    })
    .optional(),
  /** Row number → document id, one JSON string per line (ids of rows the index returns by position). */
  ids: fileRecord
    .extend({
      count: z.number().int().nonnegative(),
      aliases: z.number().int().nonnegative().optional(),
      /** Set when the entries are row numbers of an earlier file (no ids were given): `--ids` with one id per row of it maps them. */
      rowNumbersOf: z.object({ source: z.string(), rows: z.number().int().nonnegative() }).optional(),
    })
    .optional(),
  /** What the rebuild that wrote this manifest did. */
  build: z.record(z.string(), z.unknown()).optional(),
  /** Findings the store's owners accepted for this store, each with its reason (shown, not counted). */
  suppress: z.array(z.object({ code: z.enum(FINDING_CODES), reason: z.string().trim().min(1, 'a suppression needs a reason') }).strict()).optional(),
});

export type StoreManifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof fileRecord>;
