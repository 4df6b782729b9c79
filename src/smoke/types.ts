/** Smoke runs report recall at these cut-offs; 10 is also how deep every search goes. */
export const SMOKE_KS = [1, 5, 10] as const;
export const SMOKE_DEPTH = 10;
/** Known-answer questions run by default (the first ones in the file): a quick proof, not a benchmark. */
export const DEFAULT_QUESTIONS = 5;

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
  readonly target: string;
  /** How the target was searched, e.g. "hnswlib index (efSearch 128)" or "exact cosine search over 20,000 rows". */
  readonly method: string;
  readonly questions: number;
  /** Of how many in the file (--all runs every one). */
  readonly questionsInFile: number;
  readonly queryVectors: string;
  /** Mean share of expected answers in the top 1, 5, 10. */
  readonly recall: { readonly at1: number; readonly at5: number; readonly at10: number };
  readonly mrr: number;
  /** Share of questions whose top 10 is not identical to any other question's top 10 (1 = healthy, 0 = collapse). */
  readonly distinctTopK: number;
  readonly perQuestion: readonly QuestionOutcome[];
  /** What the numbers rest on that looks wrong (e.g. query vectors from another model than the store's). */
  readonly warnings?: readonly string[];
}

export interface SmokeComparison {
  readonly schema: 1;
  readonly before: SmokeResult;
  readonly after: SmokeResult;
  /** after − before. */
  readonly delta: { readonly recallAt1: number; readonly recallAt5: number; readonly recallAt10: number; readonly mrr: number; readonly distinctTopK: number };
}
