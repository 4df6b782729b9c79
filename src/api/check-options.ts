import { z } from 'zod';
import { FINDING_CODES } from '../core/finding.js';
import { METRICS } from '../core/policy.js';
import { DEFAULT_AUDIT_BUDGET_SECONDS } from '../gather/ann-audit.js';
import { SCAN_ENGINES } from '../sources/formats.js';

/** Defaults shared by the CLI and the library API. */
export const DEFAULT_SAMPLE = 5000;
export const DEFAULT_SEED = 0;
/** 50 random queries give 1,225 pairs: overlap@20 is then stable to about ±0.01 on healthy data. */
export const DEFAULT_PROBE_QUERIES = 50;
export const OVERLAP_K = 20;

export const checkOptionsSchema = z
  .object({
    metric: z.enum(METRICS).optional(),
    dim: z
      .number()
      .int()
      .positive()
      .max(1 << 20)
      .optional(),
    model: z.string().min(1).optional(),
    sample: z.number().int().min(10).max(10_000_000).default(DEFAULT_SAMPLE),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(DEFAULT_SEED),
    full: z.boolean().default(false),
    queries: z.string().min(1).optional(),
    /** The embeddings an index was built from: counts, ids and recall are checked against them. */
    vectors: z.string().min(1).optional(),
    field: z.string().min(1).optional(),
    /** Read Parquet targets with DuckDB instead of the in-process reader (the target only, not --queries/--vectors). */
    engine: z.enum(SCAN_ENGINES).optional(),
    probeQueries: z.number().int().min(10).max(1000).default(DEFAULT_PROBE_QUERIES),
    scanBudgetBytes: z.number().nonnegative().optional(),
    /** Seconds the ANN-vs-exact recall audit may take; what it cuts is reported (queries measured, sweep points skipped). */
    auditBudget: z.number().positive().max(86_400).default(DEFAULT_AUDIT_BUDGET_SECONDS),
    /**
     * Search-time settings the application uses, as the engine names them (efSearch, nprobe,
     * expansion_search, hnsw.ef_search, ...): the index is audited, and gated, at them. Default:
     * what the store manifest records, else what the index stores, else the library default (then
     * an assumption, reported as such and never warned on).
     */
    search: z.record(z.string().min(1), z.number().int().positive()).optional(),
    /**
     * Metadata filters the application searches with ("tenant_id = 7", repeatable): filtered-recall
     * measures each. Default: filters discovered from the store's low-cardinality columns.
     */
    filter: z.array(z.string().min(1)).default([]),
    /** Findings accepted for this target, each with a reason: shown marked, not counted in the verdict. */
    suppress: z.array(z.object({ code: z.enum(FINDING_CODES), reason: z.string().trim().min(1, 'a suppression needs a reason'), source: z.string().min(1).default('options') }).strict()).default([]),
    /** JSON reports of earlier runs: findings already in them (same code and target, same or lower severity) do not count. */
    baseline: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type CheckOptionsInput = z.input<typeof checkOptionsSchema>;
export type CheckOptions = z.output<typeof checkOptionsSchema>;
