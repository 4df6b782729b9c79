#!/usr/bin/env node
import { checkTargetOf, prefetchFile } from './cli/prefetch.js';

/**
 * The executable. It loads the read-ahead alone and starts it for `check`'s target before the rest
 * of the CLI (commander, the commands) loads, so a cold file's disk reads begin that much sooner.
 * Everything else is in cli/main.ts, which stops the read-ahead when the command ends.
 */
const target = process.argv[2] === 'check' ? checkTargetOf(process.argv.slice(3)) : undefined;
const prefetch = target === undefined ? undefined : prefetchFile(target);
const { main } = await import('./cli/main.js');
process.exitCode = await main(process.argv, prefetch);
