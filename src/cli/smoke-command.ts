import { Command, InvalidArgumentError, Option } from 'commander';
import { count, figure, percent } from '../core/format.js';
import { METRICS, type Metric } from '../core/policy.js';
import { EXIT, UsageError } from '../errors.js';
import type { QueryEmbedding } from '../smoke/embed.js';
import { compareSmoke, smoke, type SmokeOptions } from '../smoke/smoke.js';
import type { SmokeComparison, SmokeResult } from '../smoke/types.js';
import type { ReportInvocation } from '../core/report.js';
import { commandLine, describeInvocation } from '../report/invocation.js';
import { assertFileInput } from './inputs.js';
import { integerOption, searchSetting } from './parse.js';
import { MIN_SAMPLE } from '../smoke/types.js';
import type { Interval } from '../smoke/intervals.js';
import { belowMinimum, formatSmokeJunit, formatSmokeMarkdown, type SmokeOutcome } from '../smoke/smoke-formats.js';
import { configFor } from './config/check-settings.js';
import { CONFIG_FILE } from './config/config-file.js';
import { settingsForTarget } from './config/target-settings.js';
import { formatFromPath, writeOutputs } from './outputs.js';

interface SmokeFlags {
  questions: string;
  queryVectors?: string;
  embed?: 'openai-compatible';
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  all?: boolean;
  sample?: number;
  seed: number;
  compare?: string[];
  metric?: Metric;
  ids?: string;
  idField: string;
  textField: string;
  format: SmokeFormat;
  out?: string;
  quiet?: boolean;
  config?: string | boolean;
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
    .option('--all', 'every question in the file (the default; kept for older scripts)')
    .option('--sample <n>', `score a seeded random sample of n questions (at least ${MIN_SAMPLE}) instead of every one`, integerOption('--sample', 1))
    .option('--seed <n>', 'seed for --sample', integerOption('--seed', 0), 0)
    .option('--compare <targets...>', 'run the same questions against two targets: --compare <before> <after>')
    .addOption(new Option('--metric <metric>', 'metric for exact search over plain vector files (default: manifest, else cosine)').choices(METRICS))
    .option('--ids <file.jsonl>', 'document id of each stored row (JSONL, row order); default: the id list guard or rebuild recorded')
    .option('--id-field <name>', 'field of --ids holding the id', 'id')
    .option('--text-field <name>', 'field of --ids holding the document text (for span questions)', 'text')
    .option(
      '--search <name=value>',
      "a search-time setting as the engine names it, repeatable: e.g. ef=128 (LanceDB), hnsw.ef_search=100 (pgvector), efSearch=64 (hnswlib/FAISS HNSW), nprobe=16 (FAISS IVF); default: the manifest's, else the engine's default",
      searchSetting,
    )
    .option('--min-recall <x>', 'fail (exit 1) when recall@10 (of the after target, with --compare) is below x', fraction)
    .addOption(new Option('-f, --format <format>', 'output format: text, json, md (PR comments), junit (CI test tabs); default: from the -o extension, else text').choices(SMOKE_FORMATS))
    .option('-o, --out <file>', 'write the result to a file instead of stdout (.json .md .xml name the format)')
    .option('-q, --quiet', 'no "wrote FILE" line on stderr')
    .option('--config <file>', `the target's search settings and metric (when not given here) from this file instead of the nearest ${CONFIG_FILE}`)
    .option('--no-config', `ignore any ${CONFIG_FILE}`)
    .addHelpText('after', '\nExit codes: 0 smoke ran (and met --min-recall), 1 recall@10 below --min-recall, 2 bad usage or unreadable input.')
    .action(async (target: string | undefined, flags: SmokeFlags) => {
      for (const [path, flag] of [
        [target, '[target]'],
        [flags.questions, '--questions'],
        [flags.queryVectors, '--query-vectors'],
        [flags.ids, '--ids'],
      ] as const)
        assertFileInput(path, flag);
      const options: SmokeOptions = {
        questions: flags.questions,
        embedding: embeddingFrom(flags),
        all: true,
        ...(flags.sample !== undefined ? { sample: flags.sample, seed: flags.seed } : {}),
        ...(flags.metric ? { metric: flags.metric } : {}),
        ...(flags.ids ? { ids: flags.ids } : {}),
        idField: flags.idField,
        textField: flags.textField,
        ...(flags.search ? { search: flags.search } : {}),
      };
      if (flags.compare) {
        if (flags.compare.length !== 2 || target)
          throw new UsageError('--compare takes exactly two targets and no other target', { where: '--compare', hint: 'vectorclinic smoke --compare before.npy after.hnsw --questions q.jsonl ...' });
        const comparison = await compareSmoke(flags.compare[0] as string, flags.compare[1] as string, options);
        writeSmoke(
          {
            ...comparison,
            invocation: smokeInvocation(flags, options, [
              ['target', flags.compare[0]],
              ['target', flags.compare[1]],
            ]),
          },
          flags,
          formatComparison,
        );
        process.exitCode = belowMinimum(comparison, flags) ? EXIT.failFindings : EXIT.ok;
        return;
      }
      if (!target) throw new UsageError('no target given', { where: 'smoke', hint: 'vectorclinic smoke <index or vector file> --questions q.jsonl --query-vectors q.npy' });
      const effective = withConfiguredSearch(options, target, flags.config);
      const result = await smoke(target, effective);
      writeSmoke({ ...result, invocation: smokeInvocation(flags, effective, [['target', target]]) }, flags, formatResult);
      process.exitCode = belowMinimum(result, flags) ? EXIT.failFindings : EXIT.ok;
    });
}

/** The exact command, the options in effect and every input read, as check reports record them. */
function smokeInvocation(flags: SmokeFlags, options: SmokeOptions, targets: readonly (readonly ['target', string | undefined])[]): ReportInvocation {
  const argv = process.argv.slice(2);
  const { embedding: _embedding, questions: _questions, ...settings } = options;
  return describeInvocation(commandLine(argv), argv, { ...settings, search: options.search ? { ...options.search } : undefined, format: flags.format, out: flags.out, minRecall: flags.minRecall }, [
    ...targets,
    ['questions', flags.questions],
    ['queries', flags.queryVectors],
    ['ids', flags.ids],
  ]);
}

/** A config file's `search` and `metric` for this target, where the command line gives none. */
function withConfiguredSearch(options: SmokeOptions, target: string, config: string | boolean | undefined): SmokeOptions {
  const { settings } = settingsForTarget(configFor(config), target);
  return {
    ...options,
    ...(options.search === undefined && settings.search ? { search: settings.search } : {}),
    ...(options.metric === undefined && settings.metric ? { metric: settings.metric } : {}),
  };
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError(`--min-recall takes a number from 0 to 1, got '${value}'`);
  return parsed;
}

const SMOKE_FORMATS = ['text', 'json', 'md', 'junit'] as const;
type SmokeFormat = (typeof SMOKE_FORMATS)[number];

/** Render in the asked format (or the one -o's extension names) and write to stdout or -o. */
function writeSmoke<T extends SmokeOutcome>(outcome: T, flags: SmokeFlags, asText: (outcome: T) => string): void {
  const fromPath = flags.out ? formatFromPath(flags.out) : undefined;
  const format: SmokeFormat = flags.format ?? ((SMOKE_FORMATS as readonly string[]).find((name) => name === fromPath) as SmokeFormat | undefined) ?? 'text';
  const gate = flags.minRecall !== undefined ? { minRecall: flags.minRecall } : {};
  const rendered = format === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : format === 'md' ? formatSmokeMarkdown(outcome, gate) : format === 'junit' ? formatSmokeJunit(outcome, gate) : asText(outcome);
  const output = flags.out === undefined ? { format } : { format, path: flags.out };
  for (const path of writeOutputs([{ output, text: rendered }])) if (!flags.quiet) process.stderr.write(`vectorclinic: wrote ${path}\n`);
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

/** "0.248 [0.230, 0.267]" */
function withInterval(value: number, interval: Pick<Interval, 'low' | 'high'>): string {
  return `${figure(value, 3)} [${figure(interval.low, 3)}, ${figure(interval.high, 3)}]`;
}

function headline(result: SmokeResult): string {
  const { intervals } = result;
  return `recall@1 ${withInterval(result.recall.at1, intervals.recallAt1)}  @5 ${withInterval(result.recall.at5, intervals.recallAt5)}  @10 ${withInterval(result.recall.at10, intervals.recallAt10)}  MRR ${withInterval(result.mrr, intervals.mrr)}  distinct top-10 ${percent(result.distinctTopK, 0)}`;
}

/** Which interval method each figure used, in words. */
function intervalNote(result: SmokeResult): string {
  const methods = new Set(Object.values(result.intervals).map((interval) => interval.method));
  const named = [...methods].map((method) => (method === 'wilson' ? 'Wilson score (one answer per question)' : 'percentile bootstrap over questions, 2,000 resamples'));
  return `[95% intervals: ${named.join('; ')}]`;
}

/** Which questions ran and whether their expected ids are in the target. */
function scopeLines(result: SmokeResult): string[] {
  const lines = [result.sample ? `a random sample of ${count(result.sample.size)} of ${count(result.questionsInFile)} questions (seed ${result.sample.seed})` : `all ${count(result.questions)} questions`];
  const { ids } = result;
  if (ids.note) lines.push(`expected ids not checked against the target: ${ids.note}`);
  else if (ids.found !== undefined && ids.found < ids.expected)
    lines.push(`${count(ids.expected - ids.found)} of ${count(ids.expected)} expected ids are not in the target, which answers in ${ids.space}: their questions count as misses`);
  return lines;
}

function formatResult(result: SmokeResult): string {
  const lines = [
    `vectorclinic smoke ${result.target}: ${count(result.questions)} of ${count(result.questionsInFile)} questions, ${result.method}`,
    `  ${headline(result)}`,
    `  ${intervalNote(result)}`,
    ...scopeLines(result).map((line) => `  ${line}`),
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
  const change = (value: number, interval: { low: number; high: number }): string =>
    `${signed(value)} [${signed(interval.low)}, ${signed(interval.high)}]${interval.low <= 0 && interval.high >= 0 ? ' (not distinguishable from no change)' : ''}`;
  return [
    `vectorclinic smoke: ${count(comparison.after.questions)} questions`,
    `  before ${comparison.before.target} (${comparison.before.method})`,
    `    ${headline(comparison.before)}`,
    ...scopeLines(comparison.before)
      .slice(1)
      .map((line) => `    ${line}`),
    ...(comparison.before.warnings ?? []).map((warning) => `    warning: ${warning}`),
    `  after  ${comparison.after.target} (${comparison.after.method})`,
    `    ${headline(comparison.after)}`,
    ...scopeLines(comparison.after)
      .slice(1)
      .map((line) => `    ${line}`),
    ...(comparison.after.warnings ?? []).map((warning) => `    warning: ${warning}`),
    `  change recall@10 ${change(comparison.delta.recallAt10, comparison.deltaIntervals.recallAt10)}, MRR ${change(comparison.delta.mrr, comparison.deltaIntervals.mrr)}`,
    `  ${intervalNote(comparison.after)}; changes: paired bootstrap over the same questions`,
    '',
  ].join('\n');
}
