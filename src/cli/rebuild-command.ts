import { Command, Option } from 'commander';
import { count, figure } from '../core/format.js';
import { METRICS, type Metric } from '../core/policy.js';
import { EXIT } from '../errors.js';
import { INDEX_TYPES, type IndexType } from '../rebuild/types.js';
import { rebuild } from '../rebuild/rebuild.js';
import type { FindingSummary, RebuildResult } from '../rebuild/types.js';
import { ENGINES } from '../rebuild/engines/index.js';
import { assertFileInput } from './inputs.js';
import { emit } from './output.js';
import { integerOption } from './parse.js';

interface RebuildFlags {
  metric: Metric;
  index: IndexType;
  out: string;
  engine?: string;
  dim?: number;
  model?: string;
  dedup?: boolean;
  maskBoilerplate?: boolean;
  whiten?: boolean;
  ids?: string;
  idField: string;
  quarantine?: string;
  seed: number;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  apply?: boolean;
  check: boolean;
  format: 'text' | 'json';
}

export function rebuildCommand(): Command {
  return new Command('rebuild')
    .description('rebuild an index from clean embeddings under one policy (prints the plan; --apply does it)')
    .argument('<source>', 'vector file, index file or store URL holding the embeddings')
    .addOption(new Option('--metric <metric>', 'metric of the embedding model').choices(METRICS).makeOptionMandatory())
    .addOption(new Option('--index <type>', 'index to build').choices(INDEX_TYPES).makeOptionMandatory())
    .requiredOption(
      '--out <target>',
      'index file to write (.hnsw hnswlib, .usearch, .faiss via python3-faiss, .npy flat) or store: postgres://…?table=T, pglite://DIR?table=T, lancedb://DIR/TABLE, sqlite://PATH?table=T[&layout=vec0|f32_blob|blob], duckdb://FILE?table=T (--index flat) (the source itself: rebuilt in place)',
    )
    .addOption(new Option('--engine <name>', 'engine instead of choosing by extension').choices(ENGINES.map((engine) => engine.name)))
    .option('--dim <n>', 'dimension contract (default: the source dimension)', integerOption('--dim', 1))
    .option('--model <id>', 'model id to record in the manifest')
    .option('--dedup', 'fold near-duplicate rows into one (their ids become aliases of the kept row)')
    .option('--mask-boilerplate', 'drop every copy of content repeated 10+ times (template text)')
    .option('--whiten', 'centre and whiten the vectors (recorded; smoke applies it to queries)')
    .option('--ids <file.jsonl>', 'document id per source row (JSONL, same order), kept beside the index')
    .option('--id-field <name>', 'field of --ids holding the id', 'id')
    .option('--quarantine <file.jsonl>', 'append rejected rows with their reasons to this JSONL file')
    .option('--seed <n>', 'seed for sampling (training rows, duplicate spacing)', integerOption('--seed', 0), 0)
    .option('--m <n>', 'HNSW M (default 32)', integerOption('--m', 2))
    .option('--ef-construction <n>', 'HNSW efConstruction (default 200)', integerOption('--ef-construction', 1))
    .option('--ef-search <n>', 'HNSW efSearch recorded for searches (default 128)', integerOption('--ef-search', 1))
    .option('--apply', 'do it (default: print the plan only)')
    .option('--no-check', 'skip the before/after check')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 plan printed or rebuild done and the result passes check, 1 the rebuilt store still fails a check, 2 bad usage or unreadable input.')
    .action(async (source: string, flags: RebuildFlags) => {
      for (const [path, flag] of [
        [source, '<source>'],
        [flags.ids, '--ids'],
      ] as const)
        assertFileInput(path, flag);
      const hnsw = { ...(flags.m ? { M: flags.m } : {}), ...(flags.efConstruction ? { efConstruction: flags.efConstruction } : {}), ...(flags.efSearch ? { efSearch: flags.efSearch } : {}) };
      const result = await rebuild({
        source,
        out: flags.out,
        metric: flags.metric,
        index: flags.index,
        ...(flags.engine ? { engine: flags.engine } : {}),
        ...(flags.dim ? { dim: flags.dim } : {}),
        ...(flags.model ? { model: flags.model } : {}),
        dedup: Boolean(flags.dedup),
        maskBoilerplate: Boolean(flags.maskBoilerplate),
        whiten: Boolean(flags.whiten),
        ...(flags.ids ? { ids: flags.ids, idField: flags.idField } : {}),
        ...(flags.quarantine ? { quarantine: flags.quarantine } : {}),
        seed: flags.seed,
        hnsw,
        apply: Boolean(flags.apply),
        checkBeforeAfter: flags.check,
        // Step-by-step progress on a terminal only; pipes and CI get just the result.
        ...(process.stderr.isTTY ? { onStep: (step: string) => process.stderr.write(`vectorclinic rebuild: ${step}\n`) } : {}),
      });
      emit(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatRebuild(result), undefined);
      process.exitCode = result.after?.verdict === 'fail' ? EXIT.failFindings : EXIT.ok;
    });
}

function formatRebuild(result: RebuildResult): string {
  const { plan } = result;
  const lines = [
    `vectorclinic rebuild ${plan.source.target} → ${plan.out} (${result.mode === 'plan' ? 'plan only: add --apply to do it' : 'applied'})`,
    ...plan.steps.map((step, i) => `  ${i + 1}. ${step}`),
    `  estimate: ${figure(plan.estimate.seconds, 2)} s, peak memory ${figure(plan.estimate.peakMemoryBytes / 2 ** 20, 3)} MiB, index ${figure(plan.estimate.indexBytes / 2 ** 20, 3)} MiB (${plan.estimate.basis})`,
  ];
  const applied = result.applied;
  if (applied) {
    lines.push(
      `  done in ${applied.seconds} s: ${count(applied.accepted)} accepted, ${count(applied.rejected)} rejected, ${count(applied.duplicatesRemoved)} near-duplicates folded, ${count(applied.boilerplateMasked)} boilerplate rows masked`,
      `  index holds ${count(applied.ntotal)} vectors (= rows written ${count(applied.rowsWritten)}); manifest ${applied.manifest}`,
      ...(applied.staleTempsRemoved.length ? [`  removed leftovers of an interrupted run: ${applied.staleTempsRemoved.join(', ')}`] : []),
    );
  }
  if (result.before) lines.push(`  before: ${summary(result.before)}`);
  if (result.after) lines.push(`  after:  ${summary(result.after)}`);
  return `${lines.join('\n')}\n`;
}

function summary(findings: FindingSummary): string {
  const listed = findings.findings.map((f) => `${f.code} (${f.severity})`);
  return `${findings.verdict.toUpperCase()}${listed.length ? `: ${listed.join(', ')}` : ''}`;
}
