import { meanInterval } from './intervals.js';
import { SMOKE_DEPTH, type QuestionOutcome, type SmokeQuestion, type SmokeResult } from './types.js';

/** What a retrieved row is: its ids (the first is its own, the rest near-duplicates folded into it) and text. */
export interface RetrievedRow {
  readonly ids: readonly string[];
  readonly text?: string;
}

/** Does this row answer that expectation (an id, or a span of text)? */
function answers(row: RetrievedRow, expectation: string, kind: 'id' | 'span'): boolean {
  if (kind === 'id') return row.ids.includes(expectation);
  return row.text?.toLowerCase().includes(expectation.toLowerCase()) === true;
}

/** Score one question's top list (best first). */
export function scoreQuestion(question: SmokeQuestion, top: readonly RetrievedRow[]): QuestionOutcome & { readonly recallAt: (k: number) => number } {
  const expectations = [...question.expected.map((id) => ({ value: id, kind: 'id' as const })), ...question.spans.map((span) => ({ value: span, kind: 'span' as const }))];
  const firstHit = top.findIndex((row) => expectations.some((e) => answers(row, e.value, e.kind)));
  const recallAt = (k: number): number => {
    const head = top.slice(0, k);
    const found = expectations.filter((e) => head.some((row) => answers(row, e.value, e.kind))).length;
    return expectations.length ? found / expectations.length : 0;
  };
  return {
    question: question.question,
    expected: [...question.expected, ...question.spans],
    rank: firstHit >= 0 && firstHit < SMOKE_DEPTH ? firstHit + 1 : null,
    recallAt10: recallAt(SMOKE_DEPTH),
    top: top.slice(0, SMOKE_DEPTH).map((row) => row.ids[0] ?? ''),
    recallAt,
  };
}

/** Aggregate: mean recall@1/5/10, MRR, and how many questions got a top 10 of their own. */
export function summarizeOutcomes(scored: readonly ReturnType<typeof scoreQuestion>[], context: Pick<SmokeResult, 'target' | 'method' | 'questionsInFile' | 'queryVectors' | 'ids' | 'sample'>): SmokeResult {
  const n = scored.length;
  const mean = (value: (outcome: ReturnType<typeof scoreQuestion>) => number): number => (n ? scored.reduce((sum, outcome) => sum + value(outcome), 0) / n : 0);
  const interval = (value: (outcome: ReturnType<typeof scoreQuestion>) => number) => meanInterval(scored.map(value));
  const keys = scored.map((outcome) => [...outcome.top].sort().join('\u0000'));
  const seen = new Map<string, number>();
  for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
  const distinct = n ? keys.filter((key) => seen.get(key) === 1).length / n : 0;
  return {
    schema: 1,
    ...context,
    questions: n,
    recall: { at1: mean((o) => o.recallAt(1)), at5: mean((o) => o.recallAt(5)), at10: mean((o) => o.recallAt(10)) },
    mrr: mean(reciprocalRank),
    intervals: { recallAt1: interval((o) => o.recallAt(1)), recallAt5: interval((o) => o.recallAt(5)), recallAt10: interval((o) => o.recallAt(10)), mrr: interval(reciprocalRank) },
    distinctTopK: distinct,
    perQuestion: scored.map(({ recallAt: _unused, ...outcome }) => outcome),
  };
}

/** 1/rank of the first answer within the top 10, 0 without one. */
export function reciprocalRank(outcome: Pick<QuestionOutcome, 'rank'>): number {
  return outcome.rank ? 1 / outcome.rank : 0;
}
