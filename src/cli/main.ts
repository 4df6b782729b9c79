import { Command, CommanderError } from 'commander';
import { endQuietlyOnClosedPipe } from './closed-pipe.js';
import { installCrashHandler } from './crash-handler.js';
import { reportError } from './errors.js';
import type { Prefetch } from './prefetch.js';
import { EXIT } from '../errors.js';
import { toolVersion } from '../core/tool-version.js';

/**
 * Every subcommand, in help order: add new ones here. Each loads its module only when it runs
 * (or when help lists them all): `check` in CI should not pay for the rebuild engines' imports.
 */
const COMMANDS: Readonly<Record<string, (context: CommandContext) => Promise<Command>>> = {
  check: async ({ prefetch }) => (await import('./check-command.js')).checkCommand({ prefetch }),
  guard: async () => (await import('./guard-command.js')).guardCommand(),
  rebuild: async () => (await import('./rebuild-command.js')).rebuildCommand(),
  smoke: async () => (await import('./smoke-command.js')).smokeCommand(),
  diff: async () => (await import('./diff-command.js')).diffCommand(),
  explain: async () => (await import('./explain-command.js')).explainCommand(),
  init: async () => (await import('./init-command.js')).initCommand(),
};

/** What main() set up before the subcommand loaded. */
interface CommandContext {
  /** The check target's head being read into the page cache (see prefetch.ts). */
  readonly prefetch?: Prefetch;
}

const VERSION_FLAGS = ['--version', '-V'];

/**
 * vectorclinic: one CLI for check, guard, rebuild and smoke. `prefetch` is the read-ahead the entry
 * (src/cli.ts) started for `check`'s target before this module loaded; it is stopped on the way out.
 */
export async function main(argv: readonly string[], prefetch?: Prefetch): Promise<number> {
  endQuietlyOnClosedPipe();
  installCrashHandler();
  const output = { outputError: (text: string, write: (text: string) => void) => write(`vectorclinic: ${text.replace(/^error: /, '')}`) };
  const program = new Command('vectorclinic')
    .description('Tells you whether your vector store can actually retrieve, why not, and how to fix it.')
    .version(toolVersion())
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError('(run vectorclinic --help for usage)');
  const requested = argv[2];
  try {
    // --version needs no subcommand: loading them all would triple its start-up.
    const names = requested !== undefined && requested in COMMANDS ? [requested] : VERSION_FLAGS.includes(requested ?? '') && argv.length === 3 ? [] : Object.keys(COMMANDS);
    for (const name of names) {
      const command = await (COMMANDS[name] as (context: CommandContext) => Promise<Command>)(prefetch ? { prefetch } : {});
      program.addCommand(command.exitOverride().configureOutput(output).showHelpAfterError(`(run vectorclinic ${name} --help for usage)`));
    }
    await program.parseAsync(argv as string[], { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    return reportError(error);
  } finally {
    prefetch?.stop();
  }
}
