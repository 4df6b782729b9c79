import { Command, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { check, type CheckCallbacks } from '../api/check.js';
import { DEFAULT_SAMPLE, DEFAULT_SEED } from '../api/check-options.js';
import { METRICS } from '../core/policy.js';
import { SCAN_ENGINES, type ScanEngine } from '../sources/formats.js';
import type { Report } from '../core/report.js';
import { EXIT } from '../errors.js';
import { DEFAULT_AUDIT_BUDGET_SECONDS } from '../gather/ann-audit.js';
import { activeFindings } from '../report/accepted-findings.js';
import { withCommandLine } from '../report/invocation.js';
import { FAIL_ON_LEVELS, failsGate, type FailOn } from '../reporters/fail-threshold.js';
import { loadReporter, REPORT_FORMATS } from '../reporters/index.js';
import { collect, combinedExitCode, writeSummary, type TargetResult } from './check-targets.js';
import { checkSettingsFor, configFor, configuredOutputs } from './config/check-settings.js';
import { CONFIG_FILE } from './config/config-file.js';
import { reportError } from './errors.js';
import { assertFileInput } from './inputs.js';
import { assertReportOut, useColor } from './output.js';
import { planOutputs, writeOutputs, type PlannedOutput } from './outputs.js';
import { filterOption, integerOption, searchSetting, secondsOption } from './parse.js';
import type { Prefetch } from './prefetch.js';
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
  filter?: string[];
  field?: string;
  engine?: ScanEngine;
  format: string[];
  json?: boolean;
  out?: string[];
  outDir?: string;
  color?: boolean;
  failOn: FailOn;
  quiet?: boolean;
  verbose?: boolean;
  config?: string | boolean;
  baseline?: string[];
}

export function checkCommand(context: { readonly prefetch?: Prefetch } = {}): Command {
  const { prefetch } = context;
  return new Command('check')
    .description('health-check a vector file, index file or store: can it actually retrieve?')
    .argument('<targets...>', 'vector file (.npy .fvecs .bvecs .jsonl .parquet .arrow), index file, or store URL; several = several reports and one exit code (a quoted glob such as "shards/*.npy" is one sharded target)')
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
    .addOption(
      new Option(
        '--filter <condition>',
        `a metadata filter your application searches with, repeatable: "tenant_id = 7", "lang IN ('en', 'de')", "year >= 2020"; filtered-recall measures each (default: filters discovered from the store's low-cardinality columns)`,
      ).argParser(filterOption),
    )
    .option('--field <name>', 'JSONL/Parquet/Arrow field holding the embedding')
    .addOption(
      new Option('--engine <engine>', 'read Parquet targets (a file, directory or quoted glob) with this engine instead of the in-process reader: duckdb scans and computes the per-row facts').choices(SCAN_ENGINES),
    )
    .addOption(new Option('-f, --format <format>', `report format, repeatable: ${REPORT_FORMATS.join(', ')} (html: one self-contained page; md: PR comments)`).argParser(collect).default([], 'text'))
    .option('--json', 'shorthand for --format json')
    .addOption(new Option('-o, --out <file>', "write the report to a file instead of stdout; repeatable, each file's extension (.json .html .md .xml .sarif .txt) naming its format").argParser(collect))
    .option('--out-dir <dir>', 'write one report per --format (and per target) into this directory: DIR/<target>.<ext>')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe (CI gate)').choices(FAIL_ON_LEVELS).default('fail'))
    .option('--no-color', 'no colours in text output (also: NO_COLOR=1)')
    .option('-q, --quiet', 'no progress and no log lines on stderr (the report is still written)')
    .option('-v, --verbose', 'log each phase and the vector dimension at every hop to stderr')
    .option('--config <file>', `settings from this file instead of the nearest ${CONFIG_FILE} upward from here`)
    .option('--no-config', `ignore any ${CONFIG_FILE}`)
    .addOption(new Option('--baseline <report.json>', 'fail only on findings not in this earlier JSON report (same code and target, same or lower severity); repeatable').argParser(collect))
    .action(async (targets: string[], flags: CheckFlags, command: Command) => {
      for (const target of targets) assertFileInput(target, '<target>');
      assertFileInput(flags.queries, '--queries');
      assertFileInput(flags.vectors, '--vectors');
      const loaded = configFor(flags.config);
      const fromCli = flags.json || flags.format.length > 0 || (flags.out ?? []).length > 0 || flags.outDir !== undefined;
      const configured = fromCli ? { formats: [] } : configuredOutputs(loaded);
      const formats = flags.json ? [...flags.format, 'json'] : fromCli ? flags.format : configured.formats;
      const outDir = fromCli ? flags.outDir : configured.outDir;
      const plans = planOutputs({ formats, outs: flags.out ?? [], ...(outDir !== undefined ? { outDir } : {}) }, targets, REPORT_FORMATS);
      // --out-dir is created on request; then every report path must be writable before any work.
      if (outDir !== undefined) mkdirSync(outDir, { recursive: true });
      for (const output of plans.flat()) assertReportOut(output.path);
      const results: TargetResult[] = [];
      for (const [position, target] of targets.entries()) {
        const progress = progressDisplay({ stream: process.stderr, quiet: Boolean(flags.quiet), verbose: Boolean(flags.verbose) && !flags.quiet });
        let report: Report;
        let failOn: FailOn;
        try {
          const settings = checkSettingsFor(target, flags, command, loaded, flags.baseline ?? []);
          failOn = settings.failOn;
          if (loaded) progress.log(`config: ${loaded.path}${settings.matched.length ? ` (targets matched: ${settings.matched.join(', ')})` : ''}`);
          // The start-up read-ahead of this target follows its scan, and stops once the scan has caught up.
          const ahead = prefetch?.path === target ? prefetch : undefined;
          const onProgress: CheckCallbacks['onProgress'] = ahead
            ? (step) => {
                if (step.phase === 'scan') ahead.scanReached(step.total > 0 ? step.done / step.total : 1);
                else ahead.stop();
                progress.onProgress(step);
              }
            : progress.onProgress;
          // A read-ahead that read the whole file lets the sample helper read the sampled rows early.
          report = await check(target, settings.options, { onProgress, ...(ahead ? { readAhead: ahead.whole } : {}) });
        } catch (error) {
          // One unreadable target among several: say so, check the rest, exit 2 at the end.
          if (targets.length === 1) throw error;
          results.push({ target, exitCode: reportError(error) });
          continue;
        } finally {
          progress.stop();
        }
        const plan = plans[position] as PlannedOutput[];
        const stdoutColor = plan.some((output) => !output.path) && useColor(process.stdout, flags.color);
        report = withCommandLine(report, process.argv.slice(2), {
          format: plan.map((output) => output.format).join(','),
          failOn,
          out: plan.flatMap((output) => (output.path ? [output.path] : [])).join(',') || undefined,
          quiet: flags.quiet,
          verbose: flags.verbose,
          color: stdoutColor,
        });
        logContract(progress, report);
        const rendered = [];
        for (const output of plan) {
          const reporter = await loadReporter(output.format);
          rendered.push({ output, text: reporter(report, { color: !output.path && stdoutColor, failOn }) });
        }
        for (const path of writeOutputs(rendered)) if (!flags.quiet) process.stderr.write(`vectorclinic: wrote ${path}\n`);
        const failed = activeFindings(report).some((finding) => failsGate(finding.severity, failOn));
        results.push({ target, report, exitCode: failed ? EXIT.failFindings : EXIT.ok });
      }
      if (targets.length > 1) writeSummary(results, plans, flags);
      process.exitCode = combinedExitCode(results);
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
