import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';

/** Who holds an output: written into the lock file, shown to a second writer. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command: string;
  /** Tells this lock from a later one by the same pid. */
  readonly token: string;
  /** Linux: boot id and process start time, so a pid reused after a crash or reboot is not taken for the holder. */
  readonly identity?: string;
}

export interface OutputLock {
  readonly path: string;
  /** A lock left by a process that is gone, removed to take this one. */
  readonly brokeStale?: LockHolder;
  release(): void;
}

/** A lock file with no readable holder is being written right now, unless it is older than this. */
const UNREADABLE_GRACE_MS = 10_000;

export function lockPathFor(output: string): string {
  return `${output}.vectorclinic.lock`;
}

/**
 * Take the exclusive lock on a rebuild's output: a lock file created with O_EXCL holding pid,
 * host and start time. A lock whose process is gone (same host, pid not running) is stale and
 * taken over; a live one is a usage error naming its holder. Held until release(); a killed
 * process leaves it behind, and the next run finds it stale.
 */
export function acquireOutputLock(output: string, shown: string): OutputLock {
  const path = lockPathFor(output);
  let brokeStale: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const identity = processIdentity(process.pid);
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      command: 'vectorclinic rebuild --apply',
      token: randomBytes(8).toString('hex'),
      ...(identity ? { identity } : {}),
    };
    if (tryCreate(path, holder)) return { path, ...(brokeStale ? { brokeStale } : {}), release: () => release(path, holder.token) };
    const current = readHolder(path);
    if (current === 'gone') continue;
    if (current === 'unreadable') {
      if (ageMs(path) < UNREADABLE_GRACE_MS) throw busy(path, shown, undefined);
      if (takeOver(path, undefined)) continue;
      throw busy(path, shown, undefined);
    }
    if (current.host !== hostname() || holderRuns(current)) throw busy(path, shown, current);
    if (takeOver(path, current)) brokeStale = current;
  }
  throw busy(path, shown, undefined);
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') throw new UsageError(`no directory ${dirname(path)} to write the output into`, { where: '--out', hint: 'create the directory first' });
    throw new UsageError(`cannot create the lock file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { where: '--out', hint: 'the output directory must be writable' });
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.startedAt === 'string' && typeof parsed.token === 'string') {
      return { pid: parsed.pid, host: parsed.host, startedAt: parsed.startedAt, command: String(parsed.command ?? ''), token: parsed.token, ...(typeof parsed.identity === 'string' ? { identity: parsed.identity } : {}) };
    }
  } catch {
    // Half written (the holder was killed between create and write) or not ours.
  }
  return 'unreadable';
}

/**
 * Remove a stale lock without removing a fresh one another process took meanwhile: move it aside
 * (only one process can), check it is the stale one, and put it back (link fails if a new lock
 * exists) when it is not.
 */
function takeOver(path: string, stale: LockHolder | undefined): boolean {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = readHolder(aside);
  const same = stale === undefined ? moved === 'unreadable' : typeof moved === 'object' && moved.token === stale.token;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process locked meanwhile; the one moved aside was live and is now lost: rare, and that writer still commits atomically.
    }
  }
  rmSync(aside, { force: true });
  return same;
}

function release(path: string, token: string): void {
  const current = readHolder(path);
  if (typeof current === 'object' && current.token === token) rmSync(path, { force: true });
}

function busy(path: string, shown: string, holder: LockHolder | undefined): UsageError {
  const who = holder ? `process ${holder.pid} on ${holder.host}, since ${holder.startedAt}` : 'a process that is just starting (the lock file is being written)';
  const remote = holder && holder.host !== hostname();
  return new UsageError(`another rebuild is writing this output: ${who}`, {
    where: shown,
    hint: remote
      ? `wait for it to finish; it runs on another host, so vectorclinic cannot tell whether it is alive: if it is not, delete ${path}`
      : `wait for it to finish (or stop it); a lock left by a process that is gone (killed, or from before a reboot) is taken over automatically (${path})`,
  });
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The holder (same host) still runs: its pid is alive and, where the system tells, is the same process. */
function holderRuns(holder: LockHolder): boolean {
  if (!isAlive(holder.pid)) return false;
  const now = holder.identity ? processIdentity(holder.pid) : undefined;
  return now === undefined || now === holder.identity;
}

/** Linux: "<boot id>/<start time in clock ticks>" of a process; undefined elsewhere. */
function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTicks ? `${boot}/${startTicks}` : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
