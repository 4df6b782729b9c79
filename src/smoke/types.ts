/** Smoke runs report recall at these cut-offs; 10 is also how deep every search goes. */
export const SMOKE_KS = [1, 5, 10] as const;
export const SMOKE_DEPTH = 10;
import type { ReportInvocation } from '../core/report.js';
import type { Interval } from './intervals.js';

/**
 * The smallest sample `--sample` takes: 200 questions bound a recall near 0.5 to ±0.07 (Wilson, 95%),
 * tight enough to tell a working store from a broken one; fewer prove nothing. By default every question runs.
 */
export const MIN_SAMPLE = 200;
/**
 * smoke refuses to score when fewer than this share of the distinct expected ids exist in the target:
 * most answers could then never be retrieved by any search, so recall would measure the id mapping,
 * not retrieval. A store holding a subset of the documents (at least half of those asked about) is scored.
 */
export const MIN_RESOLVED_SHARE = 0.5;

export interface SmokeQuestion {
  readonly question: string;
  /** Document ids that answer it. */
  readonly expected: readonly string[];
  /** Or: text spans a retrieved document must contain (needs document texts). */
  readonly spans: readonly string[];
  /** Line number in the questions file (1-based), for messages. */
  readonly line: number;
}

export interface QuestionOutcome {
  readonly question: string;
  readonly expected: readonly string[];
  /** 1-based rank of the first retrieved document that answers it, null when none in the top 10. */
  readonly rank: number | null;
  /** Share of the expected ids (or spans) found in the top 10. */
  readonly recallAt10: number;
  /** Ids of the top 10, best first. */
  readonly top: readonly string[];
}

export interface SmokeResult {
  readonly schema: 1;
  /** What was run (the CLI adds it): the exact command, options, and each input with size, time and SHA-256. */
  readonly invocation?: ReportInvocation;
  readonly target: string;
  /** How the target was searched, e.g. "hnswlib index (efSearch 128)" or "exact cosine search over 20,000 rows". */
  readonly method: string;
  readonly questions: number;
  /** Of how many in the file (every one unless a sample was asked for). */
  readonly questionsInFile: number;
  /** Present when a random sample of the questions was scored (`--sample N --seed S`). */
  readonly sample?: { readonly size: number; readonly seed: number };
  /**
   * The expected ids against the ids the target answers in: how many distinct ones were asked for and
   * how many it holds. `found` is absent when the target cannot look ids up (`note` says why).
   */
  readonly ids: { readonly expected: number; readonly found?: number; readonly space: string; readonly note?: string };
  readonly queryVectors: string;
  /** Mean share of expected answers in the top 1, 5, 10. */
  readonly recall: { readonly at1: number; readonly at5: number; readonly at10: number };
  readonly mrr: number;
  /** 95% intervals over questions for recall@1/5/10 and MRR (what another draw of questions could give). */
  readonly intervals: { readonly recallAt1: Interval; readonly recallAt5: Interval; readonly recallAt10: Interval; readonly mrr: Interval };
  /** Share of questions whose top 10 is not identical to any other question's top 10 (1 = healthy, 0 = collapse). */
  readonly distinctTopK: number;
  readonly perQuestion: readonly QuestionOutcome[];
  /** What the numbers rest on that looks wrong (e.g. query vectors from another model than the store's). */
  readonly warnings?: readonly string[];
}

export interface SmokeComparison {
  readonly schema: 1;
  /** What was run (the CLI adds it): the exact command, options, and each input with size, time and SHA-256. */
  readonly invocation?: ReportInvocation;
  readonly before: SmokeResult;
  readonly after: SmokeResult;
  /** after − before. */
  readonly delta: { readonly recallAt1: number; readonly recallAt5: number; readonly recallAt10: number; readonly mrr: number; readonly distinctTopK: number };
  /** 95% intervals for the recall@10 and MRR changes (paired bootstrap over the shared questions). */
  readonly deltaIntervals: { readonly recallAt10: DeltaInterval; readonly mrr: DeltaInterval };
}

export interface DeltaInterval {
  readonly low: number;
  readonly high: number;
  readonly method: 'paired bootstrap';
}
