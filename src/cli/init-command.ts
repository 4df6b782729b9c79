import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../api/check.js';
import { METRICS, type Metric } from '../core/policy.js';
import { UsageError } from '../errors.js';
import { redactTarget } from '../engines/store-url.js';
import { CONFIG_FILE, configSchema, type ConfigFile } from './config/config-file.js';
import { integerOption } from './parse.js';

interface InitFlags {
  metric?: Metric;
  dim?: number;
  queries?: string;
  field?: string;
  force?: boolean;
}

/**
 * `vectorclinic init [TARGET]`: write vectorclinic.config.json in the working directory. With a
 * target, it runs a first check and records what it observed (dimension, the index's metric) as
 * that target's settings; what it could not observe it says, instead of guessing.
 */
export function initCommand(): Command {
  return new Command('init')
    .description(`write ${CONFIG_FILE} here, from what a first check of TARGET observed`)
    .argument('[target]', 'the vector file, index file or store URL the config is for')
    .addOption(new Option('--metric <metric>', 'the metric the embedding model was trained for (recorded; otherwise taken from the index when it has one)').choices(METRICS))
    .addOption(new Option('--dim <n>', 'the dimension the model produces (recorded; otherwise the stored dimension)').argParser(integerOption('--dim', 1)))
    .option('--queries <file>', 'real query vectors to record for this target')
    .option('--field <name>', 'JSONL/Parquet/Arrow field holding the embedding')
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .action(async (target: string | undefined, flags: InitFlags) => {
      const path = join(process.cwd(), CONFIG_FILE);
      const notes: string[] = [];
      const config: ConfigFile = { failOn: 'fail', targets: [] };
      if (target) {
        const report = await check(target, {
          ...(flags.metric ? { metric: flags.metric } : {}),
          ...(flags.dim ? { dim: flags.dim } : {}),
          ...(flags.queries ? { queries: flags.queries } : {}),
          ...(flags.field ? { field: flags.field } : {}),
        });
        const indexMetric = report.policy.observed.indexMetric;
        const metric = flags.metric ?? report.policy.declared.metric ?? (indexMetric && indexMetric !== 'other' ? indexMetric : undefined);
        if (!metric) notes.push(`no metric recorded: the target has no index metric to read it from; add "metric" (${METRICS.join(' | ')}) for the model's metric`);
        else if (!flags.metric && !report.policy.declared.metric) notes.push(`metric ${metric} is the index's metric: check that it is the model's`);
        config.targets = [
          {
            // As reports show it: a password in a store URL never lands in a file teams commit.
            match: redactTarget(target),
            ...(metric ? { metric } : {}),
            dim: flags.dim ?? report.policy.declared.dim ?? report.stats.dim,
            ...(flags.queries ? { queries: flags.queries } : {}),
            ...(flags.field ? { field: flags.field } : {}),
          },
        ];
        const open = report.findings.filter((finding) => finding.severity !== 'info');
        if (open.length) {
          notes.push(
            `the first check has ${open.length} finding(s) at warn or fail (${open.map((finding) => `${finding.severity} ${finding.code}`).join(', ')}): fix them, suppress each with a reason ("suppress": [{ "code", "reason" }]), or accept today's state with \`vectorclinic check ${redactTarget(target)} -o baseline.json\` and then \`--baseline baseline.json\``,
          );
        }
      }
      // What we write must load: validated by the same schema as every config read.
      configSchema.parse(config);
      try {
        writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { flag: flags.force ? 'w' : 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${CONFIG_FILE} already exists`, { where: path, hint: 'edit it, or run init again with --force to replace it' });
        throw new UsageError(`cannot write the config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { where: path });
      }
      process.stdout.write(`wrote ${path}\n${notes.map((note) => `  note: ${note}\n`).join('')}`);
    });
}
