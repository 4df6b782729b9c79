import { Command, Option } from 'commander';
import { check } from '../api/check.js';
import { DEFAULT_SAMPLE, DEFAULT_SEED } from '../api/check-options.js';
import { DEFAULT_AUDIT_BUDGET_SECONDS } from '../gather/ann-audit.js';
import { METRICS } from '../core/policy.js';
import type { Report } from '../core/report.js';
import { EXIT } from '../errors.js';
import { withCommandLine } from '../report/invocation.js';
import { FAIL_ON_LEVELS, failsGate, type FailOn } from '../reporters/fail-threshold.js';
import { loadReporter, REPORT_FORMATS } from '../reporters/index.js';
import { assertFileInput } from './inputs.js';
import { assertReportOut, emit, useColor } from './output.js';
import { integerOption, searchSetting, secondsOption } from './parse.js';
import { progressDisplay, type ProgressDisplay } from './progress.js';

interface CheckFlags {
  metric?: (typeof METRICS)[number];
  dim?: number;
  model?: string;
  sample: number;
  seed: number;
  full?: boolean;
  auditBudget: number;
  queries?: string;
  vectors?: string;
  search?: Record<string, number>;
  field?: string;
  format: string;
  json?: boolean;
  out?: string;
  color?: boolean;
  failOn: FailOn;
  quiet?: boolean;
  verbose?: boolean;
}

export function checkCommand(): Command {
  return new Command('check')
    .description('health-check a vector file, index file or store: can it actually retrieve?')
    .argument('<target>', 'vector file (.npy .fvecs .bvecs .jsonl .parquet .arrow), index file, or store URL')
    .addOption(new Option('--metric <metric>', 'metric the embedding model was trained for').choices(METRICS))
    .addOption(new Option('--dim <n>', 'dimension the model produces').argParser(integerOption('--dim', 1)))
    .option('--model <id>', 'model id the store should hold (recorded in the report)')
    .addOption(new Option('--sample <n>', 'rows sampled for neighbour search and geometry').argParser(integerOption('--sample', 10)).default(DEFAULT_SAMPLE))
    .addOption(new Option('--seed <n>', 'random seed for sampling and probe queries').argParser(integerOption('--seed', 0)).default(DEFAULT_SEED))
    .option('--full', 'scan every row whatever the size and search against every row, not a sample')
    .addOption(
      new Option('--audit-budget <seconds>', 'time the index-vs-exact recall audit may take; the report says how many queries and sweep points fitted')
        .argParser(secondsOption('--audit-budget'))
        .default(DEFAULT_AUDIT_BUDGET_SECONDS),
    )
    .option('--queries <file>', 'real query vectors (same formats): used as probes and checked for normalization drift')
    .option('--vectors <file>', 'the embeddings the index was built from (row r = id r): checks counts, missing ids and recall against them')
    .option(
      '--search <name=value>',
      "the search setting the application uses, as the engine names it, repeatable: efSearch=128 (hnswlib/FAISS HNSW), nprobe=16 (FAISS IVF), expansion_search=64 (usearch), hnsw.ef_search=100 (pgvector); audited and gated at that value (default: the store manifest's, else the index's own, else the library default, reported as assumed)",
      searchSetting,
    )
    .option('--field <name>', 'JSONL/Parquet/Arrow field holding the embedding')
    .addOption(new Option('--format <format>', 'report format: text, json, html (one self-contained page), md (PR comments), junit, sarif').choices(REPORT_FORMATS).default('text'))
    .option('--json', 'shorthand for --format json')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe (CI gate)').choices(FAIL_ON_LEVELS).default('fail'))
    .option('--no-color', 'no colours in text output (also: NO_COLOR=1)')
    .option('-q, --quiet', 'no progress and no log lines on stderr (the report is still written)')
    .option('-v, --verbose', 'log each phase and the vector dimension at every hop to stderr')
    .action(async (target: string, flags: CheckFlags) => {
      assertFileInput(target, '<target>');
      assertFileInput(flags.queries, '--queries');
      assertFileInput(flags.vectors, '--vectors');
      assertReportOut(flags.out);
      const progress = progressDisplay({ stream: process.stderr, quiet: Boolean(flags.quiet), verbose: Boolean(flags.verbose) && !flags.quiet });
      let report: Report;
      try {
        report = await check(
          target,
          {
            ...(flags.metric ? { metric: flags.metric } : {}),
            ...(flags.dim !== undefined ? { dim: flags.dim } : {}),
            ...(flags.model ? { model: flags.model } : {}),
            sample: flags.sample,
            seed: flags.seed,
            full: Boolean(flags.full),
            auditBudget: flags.auditBudget,
            ...(flags.queries ? { queries: flags.queries } : {}),
            ...(flags.vectors ? { vectors: flags.vectors } : {}),
            ...(flags.search ? { search: flags.search } : {}),
            ...(flags.field ? { field: flags.field } : {}),
          },
          { onProgress: progress.onProgress },
        );
      } finally {
        progress.stop();
      }
      const format = flags.json ? 'json' : flags.format;
      const color = !flags.out && useColor(process.stdout, flags.color);
      report = withCommandLine(report, process.argv.slice(2), { format, failOn: flags.failOn, out: flags.out, quiet: flags.quiet, verbose: flags.verbose, color });
      logContract(progress, report);
      const reporter = await loadReporter(format);
      emit(reporter(report, { color, failOn: flags.failOn }), flags.out);
      if (flags.out) progress.log(`wrote the ${format} report to ${flags.out}`);
      process.exitCode = report.findings.some((finding) => failsGate(finding.severity, flags.failOn)) ? EXIT.failFindings : EXIT.ok;
    });
}

/** --verbose: the dimension the model declares, the store holds, and every later hop sees. */
function logContract(progress: ProgressDisplay, report: Report): void {
  const dimensions = report.stats.dimensions as Record<string, number | null> | undefined;
  if (!dimensions) return;
  const hops = Object.entries(dimensions)
    .filter(([, dim]) => dim !== null)
    .map(([hop, dim]) => `${hop} ${dim}`);
  const distinct = new Set(Object.values(dimensions).filter((dim) => dim !== null));
  progress.log(`dimension contract: ${hops.join(' → ')}${distinct.size > 1 ? '  (MISMATCH)' : '  (consistent)'}`);
}
