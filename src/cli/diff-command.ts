import { Command, Option } from 'commander';
import { DEFAULT_SEED } from '../api/check-options.js';
import { METRICS, type Metric } from '../core/policy.js';
import { DEFAULT_DIFF_SAMPLE, diff } from '../diff/diff.js';
import { DIFF_FORMATS, renderDiff, type DiffFormat } from '../diff/render.js';
import { EXIT } from '../errors.js';
import { FAIL_ON_LEVELS, failsGate, type FailOn } from '../reporters/fail-threshold.js';
import { emit, useColor } from './output.js';
import { integerOption } from './parse.js';

interface DiffFlags {
  metric?: Metric;
  sample: number;
  seed: number;
  ids?: string;
  afterIds?: string;
  idField: string;
  questions?: string;
  queryVectors?: string;
  afterQueryVectors?: string;
  format: DiffFormat;
  json?: boolean;
  out?: string;
  color?: boolean;
  failOn: FailOn;
}

export function diffCommand(): Command {
  return new Command('diff')
    .description('compare two snapshots of a store or file (before/after a re-embed or model upgrade): drift, neighbour stability, norms, policy, recall')
    .argument('<before>', 'vector file, index file or store URL before the change')
    .argument('<after>', 'the same store or file after it (e.g. a table and its re-embedded copy)')
    .addOption(new Option('--metric <metric>', 'metric for neighbour lists (default: the manifest, else cosine)').choices(METRICS))
    .addOption(new Option('--sample <n>', 'rows compared per snapshot').argParser(integerOption('--sample', 200)).default(DEFAULT_DIFF_SAMPLE))
    .addOption(new Option('--seed <n>', 'random seed for sampling and label shuffles').argParser(integerOption('--seed', 0)).default(DEFAULT_SEED))
    .option('--ids <file.jsonl>', "document id of each BEFORE row (JSONL, row order); default: the manifest's id list, else row number / key order")
    .option('--after-ids <file.jsonl>', 'document id of each AFTER row')
    .option('--id-field <name>', 'field of the id files holding the id', 'id')
    .option('--questions <file.jsonl>', 'known-answer questions (as smoke takes them): recall@10 before and after')
    .option('--query-vectors <file>', 'query vectors for the questions (row i = question i)')
    .option('--after-query-vectors <file>', "query vectors for AFTER when it holds another model's vectors (default: --query-vectors)")
    .addOption(new Option('--format <format>', 'report format').choices(DIFF_FORMATS).default('text'))
    .option('--json', 'shorthand for --format json')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe (CI gate)').choices(FAIL_ON_LEVELS).default('fail'))
    .option('--no-color', 'no colours in text output (also: NO_COLOR=1)')
    .addHelpText('after', '\nExit codes: 0 no finding at --fail-on, 1 a finding at --fail-on, 2 bad usage or unreadable input.')
    .action(async (before: string, after: string, flags: DiffFlags) => {
      const report = await diff(before, after, {
        metric: flags.metric,
        sample: flags.sample,
        seed: flags.seed,
        ids: flags.ids,
        afterIds: flags.afterIds,
        idField: flags.idField,
        questions: flags.questions,
        queryVectors: flags.queryVectors,
        afterQueryVectors: flags.afterQueryVectors,
      });
      const format = flags.json ? 'json' : flags.format;
      emit(renderDiff(report, format, { color: !flags.out && useColor(process.stdout, flags.color) }), flags.out);
      process.exitCode = report.findings.some((finding) => failsGate(finding.severity, flags.failOn)) ? EXIT.failFindings : EXIT.ok;
    });
}
