import { Command, InvalidArgumentError, Option } from 'commander';
import { count, figure, percent } from '../core/format.js';
import { METRICS, type Metric } from '../core/policy.js';
import { EXIT, UsageError } from '../errors.js';
import type { QueryEmbedding } from '../smoke/embed.js';
import { compareSmoke, smoke, type SmokeOptions } from '../smoke/smoke.js';
import type { SmokeComparison, SmokeResult } from '../smoke/types.js';
import { emit } from './output.js';

interface SmokeFlags {
  questions: string;
  queryVectors?: string;
  embed?: 'openai-compatible';
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  all?: boolean;
  compare?: string[];
  metric?: Metric;
  ids?: string;
  idField: string;
  textField: string;
  format: 'text' | 'json';
  minRecall?: number;
  search?: Record<string, number>;
}

export function smokeCommand(): Command {
  return new Command('smoke')
    .description('prove retrieval works: ask known-answer questions, report recall@1/5/10, MRR and per-question hits')
    .argument('[target]', 'index written by rebuild, vector file, or store URL')
    .requiredOption('--questions <file.jsonl>', 'one {"question": ..., "expected": [ids]} (or "spans": [...]) per line')
    .option('--query-vectors <file>', 'query vectors, row i = question i (same formats as check)')
    .addOption(new Option('--embed <provider>', 'embed the questions with an embeddings API').choices(['openai-compatible']))
    .option('--base-url <url>', 'embeddings API base, e.g. https://api.openai.com/v1 (POST <base>/embeddings)')
    .option('--model <id>', 'embedding model for --embed')
    .option('--api-key-env <name>', 'environment variable holding the API key (default: none sent)')
    .option('--all', 'every question in the file (default: the first 5)')
    .option('--compare <targets...>', 'run the same questions against two targets: --compare <before> <after>')
    .addOption(new Option('--metric <metric>', 'metric for exact search over plain vector files (default: manifest, else cosine)').choices(METRICS))
    .option('--ids <file.jsonl>', 'document id of each stored row (JSONL, row order); default: the ids rebuild recorded')
    .option('--id-field <name>', 'field of --ids holding the id', 'id')
    .option('--text-field <name>', 'field of --ids holding the document text (for span questions)', 'text')
    .option('--search <name=value>', "a search-time setting as the engine names it, repeatable: e.g. ef=128 (LanceDB), hnsw.ef_search=100 (pgvector), efSearch=64 (hnswlib/FAISS HNSW), nprobe=16 (FAISS IVF); default: the manifest's, else the engine's default", searchSetting)
    .option('--min-recall <x>', 'fail (exit 1) when recall@10 (of the after target, with --compare) is below x', fraction)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 smoke ran (and met --min-recall), 1 recall@10 below --min-recall, 2 bad usage or unreadable input.')
    .action(async (target: string | undefined, flags: SmokeFlags) => {
      const options: SmokeOptions = {
        questions: flags.questions,
        embedding: embeddingFrom(flags),
        all: Boolean(flags.all),
        ...(flags.metric ? { metric: flags.metric } : {}),
        ...(flags.ids ? { ids: flags.ids } : {}),
        idField: flags.idField,
        textField: flags.textField,
        ...(flags.search ? { search: flags.search } : {}),
      };
      if (flags.compare) {
        if (flags.compare.length !== 2 || target) throw new UsageError('--compare takes exactly two targets and no other target', { where: '--compare', hint: 'vectorclinic smoke --compare before.npy after.hnsw --questions q.jsonl ...' });
        const comparison = await compareSmoke(flags.compare[0] as string, flags.compare[1] as string, options);
        emit(flags.format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : formatComparison(comparison), undefined);
        process.exitCode = belowMinimum(comparison.after, flags) ? EXIT.failFindings : EXIT.ok;
        return;
      }
      if (!target) throw new UsageError('no target given', { where: 'smoke', hint: 'vectorclinic smoke <index or vector file> --questions q.jsonl --query-vectors q.npy' });
      const result = await smoke(target, options);
      emit(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result), undefined);
      process.exitCode = belowMinimum(result, flags) ? EXIT.failFindings : EXIT.ok;
    });
}

/** One `name=value` search setting, collected into a record. */
function searchSetting(value: string, previous: Record<string, number> | undefined): Record<string, number> {
  const match = /^([A-Za-z_][\w.]*)=(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`--search takes name=value with a positive integer value, got '${value}' (e.g. ef=128)`);
  return { ...previous, [match[1] as string]: Number(match[2]) };
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError(`--min-recall takes a number from 0 to 1, got '${value}'`);
  return parsed;
}

function belowMinimum(result: SmokeResult, flags: SmokeFlags): boolean {
  return flags.minRecall !== undefined && result.recall.at10 < flags.minRecall;
}

function embeddingFrom(flags: SmokeFlags): QueryEmbedding {
  if (flags.queryVectors && flags.embed) throw new UsageError('give --query-vectors or --embed, not both', { where: 'smoke' });
  if (flags.queryVectors) return { kind: 'file', path: flags.queryVectors };
  if (flags.embed) {
    if (!flags.baseUrl || !flags.model) throw new UsageError('--embed openai-compatible needs --base-url and --model', { where: '--embed', hint: '--base-url http://localhost:8080/v1 --model my-embedder' });
    return { kind: 'openai-compatible', baseUrl: flags.baseUrl, model: flags.model, ...(flags.apiKeyEnv ? { apiKeyEnv: flags.apiKeyEnv } : {}) };
  }
  throw new UsageError('no query vectors', { where: 'smoke', hint: 'pass --query-vectors q.npy (row i = question i) or --embed openai-compatible --base-url ... --model ...' });
}

function headline(result: SmokeResult): string {
  return `recall@1 ${figure(result.recall.at1, 3)}  @5 ${figure(result.recall.at5, 3)}  @10 ${figure(result.recall.at10, 3)}  MRR ${figure(result.mrr, 3)}  distinct top-10 ${percent(result.distinctTopK, 0)}`;
}

function formatResult(result: SmokeResult): string {
  const lines = [
    `vectorclinic smoke ${result.target}: ${count(result.questions)} of ${count(result.questionsInFile)} questions, ${result.method}`,
    `  ${headline(result)}`,
    ...(result.warnings ?? []).map((warning) => `  warning: ${warning}`),
  ];
  if (result.questions <= 20) {
    for (const outcome of result.perQuestion) {
      lines.push(`  ${outcome.rank ? `hit @${outcome.rank}` : 'miss   '}  ${outcome.question.slice(0, 70)}  (expected ${outcome.expected.join(', ')}; got ${outcome.top.slice(0, 3).join(', ')}…)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatComparison(comparison: SmokeComparison): string {
  const signed = (value: number): string => `${value >= 0 ? '+' : ''}${figure(value, 3)}`;
  return [
    `vectorclinic smoke: ${count(comparison.after.questions)} questions`,
    `  before ${comparison.before.target} (${comparison.before.method})`,
    `    ${headline(comparison.before)}`,
    ...(comparison.before.warnings ?? []).map((warning) => `    warning: ${warning}`),
    `  after  ${comparison.after.target} (${comparison.after.method})`,
    `    ${headline(comparison.after)}`,
    ...(comparison.after.warnings ?? []).map((warning) => `    warning: ${warning}`),
    `  change recall@10 ${signed(comparison.delta.recallAt10)}, MRR ${signed(comparison.delta.mrr)}`,
    '',
  ].join('\n');
}
