import { Command } from 'commander';
import { CHECKS, checkByCode } from '../checks/registry.js';
import { UsageError } from '../errors.js';
import { checkDoc } from '../reporters/check-doc.js';

/** `vectorclinic explain <code>`: cause, how the check decides, evidence fields, fix and labels. */
export function explainCommand(): Command {
  return new Command('explain')
    .description('explain a finding code: its cause, how the check decides, its evidence, fix and labels')
    .argument('<code>', `a finding code (${CHECKS.map((check) => check.meta.code).join(', ')})`)
    .action((code: string) => {
      const check = checkByCode(code.trim().toLowerCase());
      if (!check) {
        throw new UsageError(`unknown finding code '${code}'`, {
          where: 'explain',
          hint: `known codes: ${CHECKS.map((known) => known.meta.code).join(', ')}`,
        });
      }
      process.stdout.write(checkDoc(check.meta));
    });
}
