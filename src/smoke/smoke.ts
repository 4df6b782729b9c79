import { readFileSync } from 'node:fs';
import { count, figure } from '../core/format.js';
import type { Metric } from '../core/policy.js';
import { InputError, UsageError } from '../errors.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { embedQuestions, type QueryEmbedding } from './embed.js';
import { pairedDifferenceInterval } from './intervals.js';
import { readQuestions } from './questions.js';
import { reciprocalRank, scoreQuestion, summarizeOutcomes } from './score.js';
import { queryModelWarning } from './query-model.js';
import { openSearcher, type Searcher } from './target.js';
import type { RetrievedRow } from './score.js';
import { redactTarget } from '../engines/store-url.js';
import { MIN_RESOLVED_SHARE, MIN_SAMPLE, SMOKE_DEPTH, type SmokeComparison, type SmokeQuestion, type SmokeResult } from './types.js';

export interface SmokeOptions {
  /** JSONL of known-answer questions. */
  readonly questions: string;
  readonly embedding: QueryEmbedding;
  /** Every question: the default (kept so older calls keep working). */
  readonly all?: boolean;
  /** Score a seeded random sample of this many questions (at least MIN_SAMPLE) instead of every one. */
  readonly sample?: number;
  /** Seed for the sample (default 0). */
  readonly seed?: number;
  /** Metric for exact search over plain vector files (default: the manifest's, else cosine). */
  readonly metric?: Metric;
  /** JSONL with each stored row's document id (and text, for span questions). */
  readonly ids?: string;
  readonly idField?: string;
  readonly textField?: string;
  /**
   * Search-time settings, as the engine names them (ef, nprobes, hnsw.ef_search, ivfflat.probes,
   * efSearch, nprobe): what the application sets. Default: what the manifest records, else the engine's default.
   */
  readonly search?: Readonly<Record<string, number>>;
}

/** Ask the target known-answer questions and report recall@1/5/10, MRR and how distinct the answers are. */
export async function smoke(target: string, options: SmokeOptions): Promise<SmokeResult> {
  return (await scoredSmoke(target, options)).result;
}

/** A smoke result and the expected ids the target holds (undefined when it cannot look ids up). */
async function scoredSmoke(target: string, options: SmokeOptions): Promise<{ result: SmokeResult; found: Set<string> | undefined }> {
  const all = readQuestions(options.questions);
  const positions = chosenQuestions(all.length, options);
  const questions = positions.map((position) => all[position] as SmokeQuestion);
  const texts = questions.some((question) => question.spans.length > 0) ? readTexts(options) : undefined;
  const vectors = await embedQuestions(
    options.embedding,
    questions.map((question) => question.question),
    // Row i of a query-vector file embeds question i (blank lines do not count).
    positions,
  );
  const searcher = await openSearcher(target, {
    metric: options.metric,
    ...(options.ids ? { ids: options.ids, idField: options.idField ?? 'id' } : {}),
    texts,
    search: options.search,
  });
  try {
    if (vectors.dim !== searcher.dim) {
      throw new InputError(`query vectors have ${vectors.dim} dimensions, the target ${searcher.dim}`, { where: vectors.description, hint: 'embed the questions with the model the store was built with' });
    }
    const lists = await searcher.search(vectors.data, vectors.count, SMOKE_DEPTH);
    const { ids, found } = await resolveExpectedIds(target, questions, searcher, lists, options);
    const scored = questions.map((question, i) => scoreQuestion(question, lists[i] ?? []));
    const sample = positions.length < all.length ? { size: positions.length, seed: options.seed ?? 0 } : undefined;
    // A store URL's password never reaches the report (text header, JSON target).
    const summary = summarizeOutcomes(scored, { target: redactTarget(target), method: searcher.description, questionsInFile: all.length, queryVectors: vectors.description, ids, ...(sample ? { sample } : {}) });
    const warning = await queryModelWarning(target, vectors);
    return { found, result: warning ? { ...summary, warnings: [warning] } : summary };
  } finally {
    await searcher.close();
  }
}

/** Positions (0-based, ascending) of the questions to score: every one, or a seeded sample of at least MIN_SAMPLE. */
function chosenQuestions(total: number, options: SmokeOptions): number[] {
  if (options.sample === undefined || options.sample >= total) return Array.from({ length: total }, (_, i) => i);
  if (!Number.isInteger(options.sample) || options.sample < MIN_SAMPLE) {
    throw new UsageError(`a sample of ${options.sample} questions is too small to bound recall (fewer than ${MIN_SAMPLE})`, {
      where: '--sample',
      hint: `use --sample ${MIN_SAMPLE} or more, or leave it out to score all ${count(total)} questions`,
    });
  }
  return sampleIndices(total, options.sample, new Rng(options.seed ?? 0));
}

/**
 * Refuse to score when most expected ids are not ids the target answers in (document ids asked of a
 * store that answers in row numbers): every such question would be a miss whatever the search does.
 */
async function resolveExpectedIds(
  target: string,
  questions: readonly SmokeQuestion[],
  searcher: Searcher,
  lists: readonly (readonly RetrievedRow[])[],
  options: SmokeOptions,
): Promise<{ ids: SmokeResult['ids']; found?: Set<string> }> {
  const expected = [...new Set(questions.flatMap((question) => question.expected))];
  const space = searcher.idSpace.description;
  if (expected.length === 0) return { ids: { expected: 0, space, note: 'the questions name text spans, not ids' } };
  if (!searcher.idSpace.known) return { ids: { expected: expected.length, space, note: 'the target cannot look ids up, so missing ids count as misses unseen' } };
  const found = await searcher.idSpace.known(expected);
  if (found.size < MIN_RESOLVED_SHARE * expected.length) {
    const asked = expected
      .slice(0, 3)
      .map((id) => JSON.stringify(id))
      .join(', ');
    const answered = [...new Set(lists.flat().map((row) => row.ids[0] ?? ''))]
      .filter(Boolean)
      .slice(0, 3)
      .map((id) => JSON.stringify(id))
      .join(', ');
    throw new InputError(
      `only ${count(found.size)} of ${count(expected.length)} distinct expected ids (${figure((100 * found.size) / expected.length, 3)}%) exist in the target, which answers in ${space}: recall would measure the id mapping, not retrieval`,
      {
        where: target,
        hint: `the questions expect ids like ${asked}; the target returns ${answered || 'no ids'}. ${
          options.ids
            ? `check that --ids ${options.ids} holds the ids the questions use, one line per stored row in row order (--id-field NAME if they are not in "${options.idField ?? 'id'}")`
            : `pass --ids FILE.jsonl (the document id of each stored row, in row order; --id-field NAME if the id is not in "id")`
        }, or ask questions in the target's ids`,
      },
    );
  }
  return { ids: { expected: expected.length, found: found.size, space }, found };
}

/** The same questions against two targets (e.g. before and after a rebuild). */
export async function compareSmoke(before: string, after: string, options: SmokeOptions): Promise<SmokeComparison> {
  const { result: first, found: foundBefore } = await scoredSmoke(before, options);
  const { result: second, found: foundAfter } = await scoredSmoke(after, options);
  assertSameIdSpace(first, foundBefore, second, foundAfter);
  const rr = (result: SmokeResult) => result.perQuestion.map(reciprocalRank);
  return {
    schema: 1,
    before: first,
    after: second,
    deltaIntervals: {
      recallAt10: pairedDifferenceInterval(
        first.perQuestion.map((o) => o.recallAt10),
        second.perQuestion.map((o) => o.recallAt10),
      ),
      mrr: pairedDifferenceInterval(rr(first), rr(second)),
    },
    delta: {
      recallAt1: second.recall.at1 - first.recall.at1,
      recallAt5: second.recall.at5 - first.recall.at5,
      recallAt10: second.recall.at10 - first.recall.at10,
      mrr: second.mrr - first.mrr,
      distinctTopK: second.distinctTopK - first.distinctTopK,
    },
  };
}

function readTexts(options: SmokeOptions): Map<string, string> {
  if (!options.ids) throw new UsageError('span questions need document texts', { where: '--questions', hint: 'pass --ids docs.jsonl with an "id" and a "text" field per line' });
  const idField = options.idField ?? 'id';
  const textField = options.textField ?? 'text';
  const texts = new Map<string, string>();
  for (const [index, line] of readFileSync(options.ids, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record[idField] !== undefined && typeof record[textField] === 'string') texts.set(String(record[idField]), record[textField] as string);
    } catch {
      throw new InputError(`line ${index + 1} is not valid JSON`, { where: options.ids, row: index });
    }
  }
  return texts;
}

/**
 * A difference means something only when both targets hold the same documents. Each already holds
 * at least half of the expected ids (or smoke refused it); --compare also refuses when fewer than
 * half of the expected ids either target holds are held by both (the same rule, applied to the
 * pair: most differences would then come from which documents exist, not from retrieval).
 */
function assertSameIdSpace(before: SmokeResult, foundBefore: Set<string> | undefined, after: SmokeResult, foundAfter: Set<string> | undefined): void {
  if (!foundBefore || !foundAfter) return;
  const union = new Set([...foundBefore, ...foundAfter]);
  const shared = [...foundBefore].filter((id) => foundAfter.has(id)).length;
  if (shared < MIN_RESOLVED_SHARE * union.size) {
    throw new InputError(
      `the two targets hold different documents: of the ${count(union.size)} expected ids either holds, only ${count(shared)} are in both (${before.target}: ${count(foundBefore.size)} in ${before.ids.space}; ${after.target}: ${count(foundAfter.size)} in ${after.ids.space}); their recall cannot be compared`,
      { where: '--compare', hint: 'compare two builds of the same documents with the same document ids (--ids for a target that answers in row numbers)' },
    );
  }
}
