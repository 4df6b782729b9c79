import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, writeFileAtomic } from '../../../io/atomic.js';
import type { LancedbOut } from './out-url.js';

/**
 * LanceDB (open source) cannot rename a table, and a dataset directory cannot be renamed over a
 * non-empty one: the new table is built complete as a staging table, then swapped in by two
 * renames (old → previous, staging → table). A journal written first names both, so an
 * interruption between the renames is finished by the next run.
 */
const STAGING_MARK = '__vectorclinic_build_';
const PREVIOUS_MARK = '.vectorclinic-previous';

interface SwapJournal {
  readonly staged: string;
  readonly previous: string;
}

export function stagingTableName(out: LancedbOut): string {
  return `${out.table}${STAGING_MARK}${process.pid}_${Date.now().toString(36)}`;
}

function journalPath(out: LancedbOut): string {
  return `${out.tableDir}.vectorclinic-swap.json`;
}

/** Record the swap about to happen (before the first rename). */
export function writeSwapJournal(out: LancedbOut, stagingTable: string): SwapJournal {
  const journal = { staged: join(out.databaseDir, `${stagingTable}.lance`), previous: `${out.tableDir}${PREVIOUS_MARK}` };
  writeFileAtomic(journalPath(out), JSON.stringify(journal));
  return journal;
}

/** The two renames; a table that did not exist yet (a new table) needs only the second. */
export function swapIn(out: LancedbOut, journal: SwapJournal): void {
  if (existsSync(out.tableDir)) renameSync(out.tableDir, journal.previous);
  renameSync(journal.staged, out.tableDir);
  fsyncDirectory(out.databaseDir);
}

/** After the swap: the journal and the previous table go. */
export function finishSwap(out: LancedbOut, journal: SwapJournal): void {
  rmSync(journalPath(out), { force: true });
  rmSync(journal.previous, { recursive: true, force: true });
}

/**
 * Before a run: finish a swap a killed run left half done (the new table was complete before its
 * journal was written), and remove staging tables of writers that are gone. Returns what it did.
 */
export function recoverInterrupted(out: LancedbOut): string[] {
  const done: string[] = [];
  const path = journalPath(out);
  if (existsSync(path)) {
    const journal = JSON.parse(readFileSync(path, 'utf8')) as SwapJournal;
    if (!existsSync(out.tableDir) && existsSync(journal.staged)) {
      renameSync(journal.staged, out.tableDir);
      done.push(`finished an interrupted swap: ${out.table} is the rebuilt table`);
    } else if (!existsSync(out.tableDir) && existsSync(journal.previous)) {
      renameSync(journal.previous, out.tableDir);
      done.push(`undid an interrupted swap: ${out.table} is the previous table`);
    }
    fsyncDirectory(out.databaseDir);
    rmSync(journal.previous, { recursive: true, force: true });
    rmSync(path, { force: true });
  }
  if (!existsSync(out.databaseDir)) return done;
  for (const name of readdirSync(out.databaseDir)) {
    const match = new RegExp(`^${escapeRegExp(out.table)}${STAGING_MARK}(\\d+)_`).exec(name);
    if (match && !processAlive(Number(match[1]))) {
      rmSync(join(out.databaseDir, name), { recursive: true, force: true });
      done.push(`removed ${name} (staging table of an interrupted run)`);
    }
  }
  return done;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return pid !== process.pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
