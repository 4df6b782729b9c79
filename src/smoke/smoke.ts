import { readFileSync } from 'node:fs';
import type { Metric } from '../core/policy.js';
import { InputError, UsageError } from '../errors.js';
import { embedQuestions, type QueryEmbedding } from './embed.js';
import { readQuestions } from './questions.js';
import { scoreQuestion, summarizeOutcomes } from './score.js';
import { queryModelWarning } from './query-model.js';
import { openSearcher } from './target.js';
import { DEFAULT_QUESTIONS, SMOKE_DEPTH, type SmokeComparison, type SmokeResult } from './types.js';

export interface SmokeOptions {
  /** JSONL of known-answer questions. */
  readonly questions: string;
  readonly embedding: QueryEmbedding;
  /** Every question instead of the first five. */
  readonly all?: boolean;
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
  const all = readQuestions(options.questions);
  const questions = options.all ? all : all.slice(0, DEFAULT_QUESTIONS);
  const texts = questions.some((question) => question.spans.length > 0) ? readTexts(options) : undefined;
  const vectors = await embedQuestions(
    options.embedding,
    questions.map((question) => question.question),
    // Row i of a query-vector file embeds question i (blank lines do not count).
    questions.map((_, i) => i),
  );
  const searcher = await openSearcher(target, { ...(options.metric ? { metric: options.metric } : {}), ...(options.ids ? { ids: options.ids, idField: options.idField ?? 'id' } : {}), ...(texts ? { texts } : {}), ...(options.search ? { search: options.search } : {}) });
  try {
    if (vectors.dim !== searcher.dim) {
      throw new InputError(`query vectors have ${vectors.dim} dimensions, the target ${searcher.dim}`, { where: vectors.description, hint: 'embed the questions with the model the store was built with' });
    }
    const lists = await searcher.search(vectors.data, vectors.count, SMOKE_DEPTH);
    const scored = questions.map((question, i) => scoreQuestion(question, lists[i] ?? []));
    const summary = summarizeOutcomes(scored, { target, method: searcher.description, questionsInFile: all.length, queryVectors: vectors.description });
    const warning = await queryModelWarning(target, vectors);
    return warning ? { ...summary, warnings: [warning] } : summary;
  } finally {
    await searcher.close();
  }
}

/** The same questions against two targets (e.g. before and after a rebuild). */
export async function compareSmoke(before: string, after: string, options: SmokeOptions): Promise<SmokeComparison> {
  const first = await smoke(before, options);
  const second = await smoke(after, options);
  return {
    schema: 1,
    before: first,
    after: second,
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
