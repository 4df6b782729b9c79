/**
 * vectorclinic's library API: diagnose (`check`), stop bad rows at the door (`createGuard`),
 * rebuild under one policy (`rebuild`) and prove retrieval came back (`smoke`). The LangChain.js
 * integration is a separate entry point, `vectorclinic/langchain`, so this one needs no LangChain.
 */
export { check, checkSource, type CheckCallbacks } from './api/check.js';
export type { CheckOptionsInput } from './api/check-options.js';
export type { Report, CheckOutcome, ReportStats, Verdict } from './core/report.js';
export type { Finding, FindingCode, Label, Severity } from './core/finding.js';
export type { DeclaredPolicy, Metric, ObservedPolicy } from './core/policy.js';
export { EXIT, InputError, StoreError, UsageError, VectorclinicError } from './errors.js';

export { BadRowError, createGuard, reconcile } from './guard/index.js';
export type * from './guard/types.js';
export type { Reconciliation, StoreCounts } from './guard/reconcile.js';
export { guardFile, type GuardFileOptions, type GuardFileResult } from './guard/guard-file.js';
export { guardSqliteTable, type SqliteGuardOptions, type SqliteTableGuard } from './guard/sqlite-table.js';

export { createManifest, describeFile, manifestPathFor, manifestPolicy, mergeDeclared, readManifest, writeManifest, MANIFEST_SUFFIX } from './manifest/index.js';
export type { LoadedManifest, ManifestFields, StoreManifest } from './manifest/index.js';

export { EngineError, FAISS_INSTALL, INDEX_TYPES, REBUILD_STEPS, rebuild } from './rebuild/index.js';
export type { FindingSummary, IndexType, RebuildOptions, RebuildPlan, RebuildResult, RebuildStep } from './rebuild/index.js';

export { compareSmoke, smoke } from './smoke/index.js';
export { diff } from './diff/diff.js';
export type { DiffCode, DiffFinding, DiffOptions, DiffReport, SnapshotSummary } from './diff/types.js';
export type { QueryEmbedding, QuestionOutcome, SmokeComparison, SmokeOptions, SmokeResult } from './smoke/index.js';
