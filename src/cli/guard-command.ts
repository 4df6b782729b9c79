import { Command, Option } from 'commander';
import { count } from '../core/format.js';
import { METRICS, type Metric } from '../core/policy.js';
import { EXIT } from '../errors.js';
import { guardIntoDuckdb, type GuardDuckdbResult } from '../guard/duckdb-table.js';
import { guardFile, type GuardFileResult } from '../guard/guard-file.js';
import { guardIntoSqlite, type GuardIntoSqliteResult } from '../guard/guard-into-sqlite.js';
import { schemeOf } from '../engines/store-url.js';
import { assertFileInput } from './inputs.js';
import { emit } from './output.js';
import { integerOption } from './parse.js';

interface GuardFlags {
  dim: number;
  metric: Metric;
  out: string;
  quarantine?: string;
  normalize: boolean;
  rejectDuplicates?: boolean;
  model?: string;
  ids?: string;
  idField: string;
  apply?: boolean;
  format: 'text' | 'json';
}

export function guardCommand(): Command {
  return new Command('guard')
    .description('stop bad rows at the door: write only rows that meet the policy (dimension, finite, non-zero, normalized once)')
    .argument('<input>', 'vector file to guard (.npy .fvecs .bvecs, ...)')
    .requiredOption('--dim <n>', 'dimension every row must have', integerOption('--dim', 1))
    .addOption(new Option('--metric <metric>', 'metric of the embedding model').choices(METRICS).makeOptionMandatory())
    .requiredOption(
      '--out <target>',
      'clean vectors: a .npy (written atomically, with <file>.vectorclinic.json beside it), or a store table (with --apply): sqlite://PATH?table=T[&column=C] (an existing vector table), duckdb://FILE?table=T[&column=C][&id=I] (created when missing)',
    )
    .option('--quarantine <file.jsonl>', 'append rejected rows with their reasons to this JSONL file')
    .option('--no-normalize', 'keep lengths as they are (default: normalize for cosine)')
    .option('--reject-duplicates', 'drop exact copies of earlier rows instead of only flagging them')
    .option('--model <id>', 'model id to record in the manifest')
    .option('--ids <file.jsonl>', 'document id of each input row (JSONL, row order): kept for every accepted row (default: input row numbers)')
    .option('--id-field <name>', 'field of --ids holding the id', 'id')
    .option('--apply', 'insert into the store named by --out (default for a store: report what would be inserted, write nothing)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 every row accepted, 1 some rows rejected (the output holds the rest), 2 bad usage or unreadable input.')
    .action(async (input: string, flags: GuardFlags, command: Command) => {
      assertFileInput(input, '<input>');
      const normalizeGiven = command.getOptionValueSource('normalize') === 'cli';
      if (schemeOf(flags.out) === 'sqlite') {
        const stored = await guardIntoSqlite({
          input,
          out: flags.out,
          dim: flags.dim,
          metric: flags.metric,
          apply: Boolean(flags.apply),
          normalize: normalizeGiven ? flags.normalize : undefined,
          quarantine: flags.quarantine,
          rejectDuplicates: Boolean(flags.rejectDuplicates),
          ids: flags.ids,
          idField: flags.idField,
        });
        emit(flags.format === 'json' ? `${JSON.stringify({ schema: 1, ...stored }, null, 2)}\n` : formatStoreGuard(stored), undefined);
        process.exitCode = stored.totals.rejected > 0 ? EXIT.failFindings : EXIT.ok;
        return;
      }
      const settings = {
        input,
        out: flags.out,
        dim: flags.dim,
        metric: flags.metric,
        ...(normalizeGiven ? { normalize: flags.normalize } : {}),
        ...(flags.quarantine ? { quarantine: flags.quarantine } : {}),
        rejectDuplicates: Boolean(flags.rejectDuplicates),
        ...(flags.model ? { model: flags.model } : {}),
        ...(flags.ids ? { ids: flags.ids, idField: flags.idField } : {}),
      };
      const result = schemeOf(flags.out) === 'duckdb' ? await guardIntoDuckdb({ ...settings, apply: Boolean(flags.apply) }) : await guardFile(settings);
      emit(flags.format === 'json' ? `${JSON.stringify({ schema: 1, ...result }, null, 2)}\n` : formatGuard(result), undefined);
      process.exitCode = result.totals.rejected > 0 ? EXIT.failFindings : EXIT.ok;
    });
}

function formatStoreGuard(result: GuardIntoSqliteResult): string {
  const { totals } = result;
  const lines = [
    `vectorclinic guard ${result.input} → ${result.out} (${result.mode === 'plan' ? 'plan only: add --apply to insert' : 'applied'})`,
    ingestedLine(totals),
    `  normalized ${count(totals.rescaled)} rows, ${count(totals.alreadyUnit)} already unit length; exact copies flagged ${count(totals.duplicatesFlagged)}; keys: ${result.keys}`,
    ...result.firstRejected.slice(0, 8).map((row) => `  key ${row.id}: ${row.cause} — ${row.detail}`),
    result.mode === 'apply'
      ? `  inserted ${count(result.inserted)} rows into ${result.table}.${result.column} in one transaction${result.quarantine && totals.rejected > 0 ? `; rejected rows in ${result.quarantine}` : ''}`
      : `  would insert ${count(totals.accepted)} rows into ${result.table}.${result.column}; nothing was written`,
  ];
  return `${lines.join('\n')}\n`;
}

function ingestedLine(totals: GuardFileResult['totals']): string {
  const causes = Object.entries(totals.causes)
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${cause} ${count(n)}`);
  return `  ingested ${count(totals.ingested)} = accepted ${count(totals.accepted)} + rejected ${count(totals.rejected)}${causes.length ? ` (${causes.join(', ')})` : ''}`;
}

function formatGuard(result: GuardFileResult | GuardDuckdbResult): string {
  const { totals } = result;
  const lines = [
    `vectorclinic guard ${result.input}`,
    ingestedLine(totals),
    `  normalized ${count(totals.rescaled)} rows, ${count(totals.alreadyUnit)} already unit length; exact copies flagged ${count(totals.duplicatesFlagged)}`,
    ...result.firstRejected.slice(0, 8).map((row) => `  row ${row.row}: ${row.cause} — ${row.detail}`),
    'store' in result
      ? result.mode === 'apply'
        ? `  appended ${count(totals.accepted)} rows to ${result.out} in one transaction (${count(result.store.rowsBefore)} → ${count(result.store.rowsAfter)} rows${result.store.created ? ', table created' : ''}); ids in ${result.ids}; manifest: ${result.manifest}`
        : `  would append ${count(totals.accepted)} rows to ${result.out} (${count(result.store.rowsBefore)} → ${count(result.store.rowsAfter)} rows${result.store.created ? ', table created' : ''}); plan only: add --apply to insert, nothing was written`
      : `  wrote ${result.out}, ${result.manifest} and the id of every accepted row (${result.ids})`,
    ...(result.quarantine && totals.rejected > 0 ? [`  rejected rows in ${result.quarantine}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
