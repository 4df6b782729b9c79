import type { EvidenceValue, Finding, FindingCode, Label } from './finding.js';
import type { ReportComparison, ReportPlots } from './plots.js';
import type { DeclaredPolicy, ObservedPolicy } from './policy.js';

export const REPORT_SCHEMA = 1;

export type Verdict = 'pass' | 'warn' | 'fail';

/**
 * The three things a check can end as, plus a crash: it passed, it found something, or it could not
 * run (its inputs were missing) — never shown as passed.
 */
export type CheckResultState = 'passed' | 'finding' | 'not-run' | 'error';

/** What happened to each check in a run: JUnit/SARIF reporters list all of them, not only findings. */
export interface CheckOutcome {
  readonly code: FindingCode;
  readonly title: string;
  /** The finding's severity, 'pass', 'not-applicable' (= not run) or 'error'. Kept for older readers; `result` is the three-state field. */
  readonly status: 'pass' | 'info' | 'warn' | 'fail' | 'not-applicable' | 'error';
  /** passed, finding, not-run or error (added in schema 1; absent in older reports). */
  readonly result?: CheckResultState;
  /** Not run: why, and what would let it run, in plain words. Error: the error it hit. */
  readonly detail?: string;
  /** Parts of a check that ran that could not be checked, each with what would let it run. */
  readonly notChecked?: readonly string[];
}

/** The outcome's three-state result, also for reports written before `result` existed. */
export function outcomeResult(outcome: CheckOutcome): CheckResultState {
  if (outcome.result) return outcome.result;
  return outcome.status === 'pass' ? 'passed' : outcome.status === 'not-applicable' ? 'not-run' : outcome.status === 'error' ? 'error' : 'finding';
}

/** The one object every reporter renders and the library API returns. */
export interface Report {
  readonly schema: typeof REPORT_SCHEMA;
  readonly tool: { readonly name: 'vectorclinic'; readonly version: string };
  readonly target: string;
  readonly kind: string;
  readonly generatedAt: string;
  readonly durationMs: number;
  readonly policy: { readonly declared: DeclaredPolicy; readonly observed: ObservedPolicy };
  readonly verdict: Verdict;
  readonly labels: readonly Label[];
  readonly findings: readonly Finding[];
  readonly checks: readonly CheckOutcome[];
  readonly stats: ReportStats;
  readonly notes: readonly string[];
  /** Data behind the HTML report's plots (added in schema 1; absent in older reports). */
  readonly plots?: ReportPlots;
  /** What was run: command, effective options, inputs, tool version (added in schema 1; absent in older reports). */
  readonly invocation?: ReportInvocation;
  /** Before/after figures when a command changed the store (rebuild). */
  readonly comparison?: ReportComparison;
}

/** One input of a run: a file (size, modification time, SHA-256 when cheap), a folder of files, or a store URL (redacted). */
export interface ReportInput {
  /** check: target, queries, vectors, manifest; smoke also: questions (known answers), ids (the document id file). */
  readonly role: 'target' | 'queries' | 'vectors' | 'manifest' | 'questions' | 'ids';
  readonly path: string;
  readonly kind: 'file' | 'folder' | 'store';
  readonly bytes?: number;
  /** Folders: the files read from it (their bytes summed in `bytes`). */
  readonly files?: number;
  readonly modifiedAt?: string;
  /** Files up to 256 MiB. */
  readonly sha256?: string;
}

export interface ReportInvocation {
  /** The command that was run (CLI), or the equivalent command of a library call: pasting it re-runs the check. Secrets redacted. */
  readonly command: string;
  /** The CLI's arguments after `vectorclinic`, secrets redacted (absent for library calls). */
  readonly argv?: readonly string[];
  /** Every option in effect after defaults and the store manifest (metric, dim, sample, seed, format …). */
  readonly options: Readonly<Record<string, EvidenceValue>>;
  readonly inputs: readonly ReportInput[];
  readonly tool: { readonly name: 'vectorclinic'; readonly version: string; readonly node: string };
}

export interface ReportAudit {
  readonly recallAt10: number;
  readonly queries: number;
  readonly plannedQueries: number;
  readonly exactMethod: string;
  /** What exact search ran over: the original embeddings (--vectors), the stored vectors, or lossy reconstructions. */
  readonly exactBasis: 'reference' | 'stored' | 'decoded';
  /** The search setting the recall was measured at and where it came from (--search, manifest, index, or an assumed default). */
  readonly setting: { readonly name: string; readonly value: number; readonly from: string } | null;
  readonly seconds: number;
  readonly budgetSeconds: number | null;
  readonly cuts: readonly string[];
}

export interface ReportStats {
  readonly rows: number;
  readonly rowsExact: boolean;
  readonly dim: number;
  readonly storage: string;
  /** Rows whose per-row facts were measured, and whether that was every row or a sample. */
  readonly scanned: number;
  readonly scanScope: 'full' | 'sample';
  readonly sampled: number;
  readonly seed: number;
  readonly norms: { readonly min: number | null; readonly p50: number | null; readonly max: number | null; readonly mean: number | null };
  readonly normHistogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
  readonly zeroRows: number;
  readonly nonfiniteRows: number;
  readonly unitRows: number;
  readonly validRows: number;
  readonly overlapAt20: number | null;
  readonly pc1Ratio: number | null;
  readonly pc1RatioUncentered: number | null;
  readonly meanCosine: number | null;
  readonly duplicateRows: number;
  /** The index-vs-exact audit, when one ran: how much of it ran (the budget may cut it) and how its exact answers were computed. */
  readonly audit?: ReportAudit;
  readonly [extra: string]: unknown;
}
