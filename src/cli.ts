#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { checkCommand } from './cli/check-command.js';
import { guardCommand } from './cli/guard-command.js';
import { rebuildCommand } from './cli/rebuild-command.js';
import { smokeCommand } from './cli/smoke-command.js';
import { reportError } from './cli/errors.js';
import { explainCommand } from './cli/explain-command.js';
import { EXIT } from './errors.js';
import { toolVersion } from './report/tool-version.js';

/** vectorclinic: one CLI for check, guard, rebuild and smoke. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('vectorclinic')
    .description('Tells you whether your vector store can actually retrieve, why not, and how to fix it.')
    .version(toolVersion())
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`vectorclinic: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run vectorclinic --help for usage)');
  // Every subcommand, in help order: add new ones to this list.
  const commands = [checkCommand(), guardCommand(), rebuildCommand(), smokeCommand(), explainCommand()];
  for (const command of commands) program.addCommand(command.exitOverride());
  try {
    await program.parseAsync(argv as string[], { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    return reportError(error);
  }
}

const exitCode = await main(process.argv);
process.exitCode = exitCode;
